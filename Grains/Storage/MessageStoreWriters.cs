using Microsoft.Extensions.Hosting;

namespace OrleansIm.Grains.Storage;

/// <summary>
/// Owns the PostgreSQL store's writer loops: started with the host, stopped after the silo (registered before it, so
/// stopped after it): no new appends are taken, what is queued is written, and if the host's stop timeout runs out
/// first the rest fails rather than waits.
/// </summary>
public sealed class MessageStoreWriters(PostgresMessageStore store) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _abort = new();
    private Task _running = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _running = store.RunAsync(_abort.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        store.StopAccepting();
        try
        {
            await _running.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Out of time: what is left fails now.
            await _abort.CancelAsync();
            await _running;
        }
    }

    public void Dispose() => _abort.Dispose();
}
