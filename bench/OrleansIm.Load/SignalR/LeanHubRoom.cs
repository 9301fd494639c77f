using System.Diagnostics;
using HdrHistogram;
using OrleansIm.Load.Lean;

namespace OrleansIm.Load.SignalR;

/// <summary>
/// The room scenario against the SignalR peer on <see cref="LeanHubConnection"/>s (<c>--client signalr-lean</c>): the
/// same measure as <see cref="SignalRRoom"/> (<c>online</c> connections Join one group; an owner outside it keeps
/// <c>window</c> Broadcast invocations outstanding until it sent <c>messages</c>; every member counts the relays and
/// times them from the frame's send time) with the lean client's loops.
/// </summary>
public sealed class LeanHubRoom(LoadOptions options)
{
    private static readonly long HighestMicros = TimeSpan.FromMinutes(10).Ticks / 10;
    private static readonly byte[] Data = "room load broadcast"u8.ToArray();
    private static readonly byte[] Broadcast = "Broadcast"u8.ToArray();
    private const int MaxFrame = 128;
    private const int MaxInvocation = MaxFrame + 96;

    public async Task<LeanRoom.Report> RunAsync()
    {
        var room = $"room-{options.FirstUid}";
        await using var owner = await LeanHubConnection.ConnectAsync(options, options.FirstUid);
        var sessions = new LeanHubConnection[options.Online];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Online), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var session = await LeanHubConnection.ConnectAsync(options, options.FirstUid + 1 + (ulong)i);
            await session.InvokeAsync("Join", room, 1);
            sessions[i] = session;
        });

        var latency = new LongConcurrentHistogram(1, HighestMicros, 3);
        long delivered = 0;
        HubMessageHandler onMessage = (kind, _, frame) =>
        {
            if (kind == HubMessageKind.Relay && frame.Length >= Protocol.FrameHeader.Size)
            {
                ClosedLoop.Record(latency, (long)Wire.ReadVarintField(frame[Protocol.FrameHeader.Size..], 3));
                Interlocked.Increment(ref delivered);
            }
        };
        var receiving = sessions.Select(s => Task.Run(async () =>
        {
            try
            {
                while (await s.ReceiveAsync(onMessage))
                {
                    await s.KeepAliveAsync();
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                // Closed at the end of the run.
            }
        })).ToArray();

        var clock = Stopwatch.StartNew();
        await SendAsync(owner, System.Text.Encoding.UTF8.GetBytes(room));
        long expected = (long)options.Messages * options.Online;
        await LeanRoom.WaitForDeliveriesAsync(() => Interlocked.Read(ref delivered), expected);

        var elapsed = clock.Elapsed;
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        await Task.WhenAll(receiving);
        var got = Interlocked.Read(ref delivered);
        return new LeanRoom.Report(options, got, expected - got, elapsed, latency);
    }

    private async Task SendAsync(LeanHubConnection owner, byte[] room)
    {
        var buffer = new byte[MaxInvocation * Math.Max(options.Window, 1)];
        int sent = 0, answered = 0, due = options.Window;
        HubMessageHandler onCompletion = (kind, id, _) =>
        {
            if (kind == HubMessageKind.Error)
            {
                throw new InvalidOperationException($"Broadcast {id} failed");
            }

            if (kind == HubMessageKind.Completion && id >= 1 && id <= (ulong)options.Messages)
            {
                answered++;
                due++;
            }
        };

        while (answered < options.Messages)
        {
            int length = 0;
            while (due > 0 && sent < options.Messages && length + MaxInvocation <= buffer.Length)
            {
                sent++;
                due--;
                length += WriteBroadcast(buffer.AsSpan(length), (ulong)sent, room);
            }

            if (length > 0)
            {
                await owner.SendAsync(buffer.AsMemory(0, length));
            }

            if (answered < options.Messages && !await owner.ReceiveAsync(onCompletion))
            {
                throw new IOException("the room owner was disconnected");
            }
        }
    }

    /// <summary>Writes the invocation Broadcast(room, ROOM-BC frame) with invocation id <paramref name="serial"/>; returns its length.</summary>
    private static int WriteBroadcast(Span<byte> destination, ulong serial, ReadOnlySpan<byte> room)
    {
        Span<byte> frame = stackalloc byte[MaxFrame];
        int length = Wire.WriteRoomBroadcast(frame, serial, 1, Stopwatch.GetTimestamp(), Data);
        return LeanHubConnection.WriteInvocation(destination, serial, Broadcast, room, frame[..length]);
    }
}
