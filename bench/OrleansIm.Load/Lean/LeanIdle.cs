using System.Diagnostics;

namespace OrleansIm.Load.Lean;

/// <summary>
/// Idle sessions: logs in <c>online</c> connections, then writes "ready" to <c>--ready-file</c> (so a script can
/// read the server's memory while they are held) and holds them for <c>--hold</c> seconds, reading whatever comes.
/// </summary>
public sealed class LeanIdle(LoadOptions options)
{
    public async Task<string> RunAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = TimeSpan.FromSeconds(60) };
        var sessions = new LeanConnection[options.Online];
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Online), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            var session = await LeanConnection.ConnectAsync(options.UsesWebSocket(i), options.Host, options.TcpPort, options.HttpPort, options.Packed);
            await session.LoginAsync(http, options.FirstUid + (ulong)i);
            sessions[i] = session;
        });

        var loggedIn = clock.Elapsed;
        if (options.ReadyFile.Length > 0)
        {
            await File.WriteAllTextAsync(options.ReadyFile, "ready\n");
        }

        await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds));
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        return $"idle sessions: online={options.Online} transport={options.Transport} logged in after {loggedIn.TotalSeconds:F1}s, held {options.HoldSeconds}s";
    }
}
