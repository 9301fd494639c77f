using Microsoft.Extensions.Logging;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// Ending connections on time: the periodic sweep (handshake, heartbeat and stalled-reader timeouts, and the push
/// sequencer's overdue gaps) and the drain on shutdown.
/// </summary>
public sealed partial class ConnectionUpkeep(ConnectionRegistry registry, NodeDelivery delivery, GatewayOptions options, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly TaskCompletionSource _drainSettled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _drainsOutstanding;
    private ITimer? _drainDeadline;
    private ITimer? _sweep;

    /// <summary>True once the host is stopping: new logins are refused with 10002.</summary>
    public bool IsStopping { get; private set; }

    public void StartSweeping() => _sweep = time.CreateTimer(_ => Sweep(), null, options.SweepInterval, options.SweepInterval);

    public void StopSweeping()
    {
        IsStopping = true;
        _sweep?.Dispose();
    }

    /// <summary>
    /// Graceful shutdown: new logins are refused with 10002, every connection finishes its requests in flight, gets
    /// what is queued for it, then KICK 10002 (reconnect elsewhere) and is closed. Bounded by
    /// <see cref="GatewayOptions.DrainTimeout"/>, after which what is left is closed at once.
    /// </summary>
    public async Task DrainAsync(uint nid, CancellationToken cancellationToken)
    {
        IsStopping = true;
        var started = time.GetTimestamp();
        var count = registry.Count;
        LogDraining(logger, nid, count);
        _drainsOutstanding = 1; // held until every connection below was asked to drain
        foreach (var connection in registry.All)
        {
            connection.Drain(ResultCode.Unavailable);
        }

        DrainEnded();
        _drainDeadline = time.CreateTimer(_ => _drainSettled.TrySetResult(), null, options.DrainTimeout / 2, Timeout.InfiniteTimeSpan);

        try
        {
            while (!registry.IsEmpty && time.GetElapsedTime(started) < options.DrainTimeout)
            {
                // Connections made while draining are refused at login and closed by the next pass.
                foreach (var connection in registry.All)
                {
                    connection.Drain(ResultCode.Unavailable);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out first.
        }

        var left = registry.Count;
        foreach (var connection in registry.All)
        {
            connection.Abort();
        }

        LogDrained(logger, nid, count - left, left, time.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>A connection was asked to drain and has not finished its requests yet.</summary>
    public void DrainBegan() => Interlocked.Increment(ref _drainsOutstanding);

    /// <summary>
    /// Called by a drained connection once its requests finished; waits until every drained connection's did (or
    /// half the drain timeout passed), so that no KICK goes out before the pushes of requests still finishing.
    /// </summary>
    public Task DrainSettledAsync()
    {
        DrainEnded();
        return _drainSettled.Task;
    }

    public void Dispose()
    {
        _drainDeadline?.Dispose();
        _sweep?.Dispose();
    }

    private void DrainEnded()
    {
        if (Interlocked.Decrement(ref _drainsOutstanding) == 0)
        {
            _drainSettled.TrySetResult();
        }
    }

    private void Sweep()
    {
        delivery.Sweep();
        var now = time.GetTimestamp();
        foreach (var connection in registry.All)
        {
            connection.CheckTimeouts(now);
        }
    }

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Gateway node {Nid}: shutting down, draining {Count} connection(s)")]
    private static partial void LogDraining(ILogger logger, uint nid, int count);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Gateway node {Nid}: {Drained} connection(s) drained, {Aborted} closed at the drain timeout, in {Milliseconds:F0} ms")]
    private static partial void LogDrained(ILogger logger, uint nid, int drained, int aborted, double milliseconds);
}
