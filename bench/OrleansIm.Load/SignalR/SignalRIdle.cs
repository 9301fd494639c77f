using Microsoft.AspNetCore.SignalR.Client;

namespace OrleansIm.Load.SignalR;

/// <summary>The idle scenario against the SignalR peer: <c>online</c> hub connections held open.</summary>
public sealed class SignalRIdle(LoadOptions options)
{
    public async Task<string> RunAsync()
    {
        var sessions = new HubConnection[options.Online];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Online), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
            sessions[i] = await PeerConnections.ConnectAsync(options, options.FirstUid + (ulong)i));

        if (options.ReadyFile.Length > 0)
        {
            await File.WriteAllTextAsync(options.ReadyFile, "ready\n");
        }

        await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds));
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        return $"idle hub connections: online={options.Online}, held {options.HoldSeconds}s";
    }
}
