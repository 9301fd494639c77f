namespace OrleansIm.Load.SignalR;

/// <summary>The idle scenario against the SignalR peer on <see cref="LeanHubConnection"/>s: <c>online</c> hub connections held open, answering nothing but keeping alive.</summary>
public sealed class LeanHubIdle(LoadOptions options)
{
    public async Task<string> RunAsync()
    {
        var sessions = new LeanHubConnection[options.Online];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Online), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
            sessions[i] = await LeanHubConnection.ConnectAsync(options, options.FirstUid + (ulong)i));

        if (options.ReadyFile.Length > 0)
        {
            await File.WriteAllTextAsync(options.ReadyFile, "ready\n");
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.HoldSeconds));
        var reading = sessions.Select(s => Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested && await s.ReceiveAsync((_, _, _) => { }))
                {
                    await s.KeepAliveAsync();
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                // Closed at the end of the hold.
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds));
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        await Task.WhenAll(reading);
        return $"idle hub connections: online={options.Online}, held {options.HoldSeconds}s";
    }
}
