namespace OrleansIm.Load.SignalR;

/// <summary>The idle scenario against the SignalR peer on <see cref="LeanHubConnection"/>s: <c>online</c> hub connections held open, answering nothing but keeping alive.</summary>
public sealed class LeanHubIdle(LoadOptions options)
{
    public async Task<string> RunAsync()
    {
        var sessions = new LeanHubConnection[options.Online];
        var reading = new Task[options.Online];
        using var holding = new CancellationTokenSource();
        int dropped = 0;
        string? firstReason = null;

        // Each connection reads and keeps alive from the moment it is open: the hub closes one it has not heard from
        // for its client timeout (30 s by default), and opening 15,000 can take longer than that.
        async Task KeepAliveAsync(LeanHubConnection session)
        {
            try
            {
                while (!holding.IsCancellationRequested && await session.ReceiveAsync((_, _, _) => { }))
                {
                    await session.KeepAliveAsync();
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                if (!holding.IsCancellationRequested)
                {
                    Interlocked.Increment(ref dropped);
                    Interlocked.CompareExchange(ref firstReason, ex.Message, null);
                }
            }
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, options.Online), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            var session = await LeanHubConnection.ConnectAsync(options, options.FirstUid + (ulong)i);
            sessions[i] = session;
            reading[i] = Task.Run(() => KeepAliveAsync(session));
        });

        if (options.ReadyFile.Length > 0)
        {
            await File.WriteAllTextAsync(options.ReadyFile, "ready\n");
        }

        await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds));
        await holding.CancelAsync();
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        await Task.WhenAll(reading);
        var report = $"idle hub connections: online={options.Online}, held {options.HoldSeconds}s";
        return dropped == 0 ? report : $"{report}\n  disconnected={dropped} before the end of the hold (the first: {firstReason})";
    }
}
