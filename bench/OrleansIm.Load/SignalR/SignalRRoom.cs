using System.Diagnostics;
using HdrHistogram;
using Microsoft.AspNetCore.SignalR.Client;
using OrleansIm.Load.Lean;

namespace OrleansIm.Load.SignalR;

/// <summary>The room scenario against the SignalR peer: <c>online</c> connections join a group; one keeps <c>window</c> broadcasts outstanding.</summary>
public sealed class SignalRRoom(LoadOptions options)
{
    private static readonly long HighestMicros = TimeSpan.FromMinutes(10).Ticks / 10;
    private static readonly byte[] Data = "room load broadcast"u8.ToArray();

    public async Task<LeanRoom.Report> RunAsync()
    {
        var latency = new LongConcurrentHistogram(1, HighestMicros, 3);
        long delivered = 0;
        var room = $"room-{options.FirstUid}";
        await using var owner = await PeerConnections.ConnectAsync(options, options.FirstUid);
        var sessions = new HubConnection[options.Online];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Online), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var session = await PeerConnections.ConnectAsync(options, options.FirstUid + 1 + (ulong)i);
            session.On<byte[]>("m", frame =>
            {
                latency.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime((long)Wire.ReadVarintField(frame.AsSpan(Protocol.FrameHeader.Size), 3)).TotalMicroseconds));
                Interlocked.Increment(ref delivered);
            });
            await session.InvokeAsync<int>("Join", room);
            sessions[i] = session;
        });

        var clock = Stopwatch.StartNew();
        using (var window = new SemaphoreSlim(options.Window))
        {
            var inFlight = new List<Task>(options.Messages);
            for (int m = 1; m <= options.Messages; m++)
            {
                await window.WaitAsync();
                var frame = new byte[128];
                int length = Wire.WriteRoomBroadcast(frame, (ulong)m, 1, Stopwatch.GetTimestamp(), Data);
                inFlight.Add(BroadcastAsync(owner, room, frame[..length], window));
            }

            await Task.WhenAll(inFlight);
        }

        long expected = (long)options.Messages * options.Online;
        await LeanRoom.WaitForDeliveriesAsync(() => Interlocked.Read(ref delivered), expected);

        var elapsed = clock.Elapsed;
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        var got = Interlocked.Read(ref delivered);
        return new LeanRoom.Report(options, got, expected - got, elapsed, latency);
    }

    private static async Task BroadcastAsync(HubConnection owner, string room, byte[] frame, SemaphoreSlim window)
    {
        try
        {
            await owner.InvokeAsync<int>("Broadcast", room, frame);
        }
        finally
        {
            window.Release();
        }
    }
}
