using System.Diagnostics;
using HdrHistogram;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Load.Lean;

/// <summary>
/// Room fan-out on <see cref="LeanConnection"/>s: <c>online</c> sessions join one room; its owner keeps
/// <c>window</c> ROOM-BCs (not kept for replay) unacknowledged until it sent <c>messages</c>. Every session counts
/// what arrives and the latency from the send; the result is deliveries/s until the last delivery.
/// </summary>
public sealed class LeanRoom(LoadOptions options)
{
    private static readonly long HighestMicros = TimeSpan.FromMinutes(10).Ticks / 10;
    private static readonly byte[] Data = "room load broadcast"u8.ToArray();
    private const int MaxFrame = 128;

    public sealed record Report(LoadOptions Options, long Delivered, long Lost, TimeSpan Elapsed, HistogramBase Latency)
    {
        public override string ToString() =>
            $"room fan-out: sessions={Options.Online} messages={Options.Messages} window={Options.Window} transport={Options.Transport}\n" +
            $"  delivered={Delivered} lost={Lost} elapsed={Elapsed.TotalSeconds:F2}s deliveries/s={Delivered / Elapsed.TotalSeconds:F0}\n" +
            $"  delivery latency ms: p50={Ms(Latency, 50)} p99={Ms(Latency, 99)} p99.9={Ms(Latency, 99.9)} max={Ms(Latency, 100)}";

        private static string Ms(HistogramBase h, double percentile) => h.TotalCount == 0 ? "-" : (h.GetValueAtPercentile(percentile) / 1000.0).ToString("F2");
    }

    public async Task<Report> RunAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = TimeSpan.FromSeconds(60) };
        await using var owner = await LeanConnection.ConnectAsync(false, options.Host, options.TcpPort, options.HttpPort);
        await owner.LoginAsync(http, options.FirstUid);
        var created = RoomCreatAck.Parser.ParseFrom(await owner.RequestAsync(Cmd.RoomCreat, new RoomCreat { Uid = owner.Uid, Rid = 0, Name = "load", Desc = "" }, Cmd.RoomCreatAck, 1));
        if (created.Code != ResultCode.Ok)
        {
            throw new InvalidOperationException($"ROOM-CREAT failed with {created.Code}");
        }

        var sessions = new LeanConnection[options.Online];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Online), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var session = await LeanConnection.ConnectAsync(options.UsesWebSocket(i), options.HostOf(i), options.TcpPort, options.HttpPort, options.Packed);
            await session.LoginAsync(http, options.FirstUid + 1 + (ulong)i);
            var joined = RoomJoinAck.Parser.ParseFrom(await session.RequestAsync(Cmd.RoomJoin, new RoomJoin { Uid = session.Uid, Rid = created.Rid }, Cmd.RoomJoinAck, 1));
            if (joined.Code != ResultCode.Ok)
            {
                throw new InvalidOperationException($"ROOM-JOIN failed with {joined.Code}");
            }

            sessions[i] = session;
        });

        var latency = new LongConcurrentHistogram(1, HighestMicros, 3);
        long delivered = 0;
        FrameHandler onFrame = (type, _, body) =>
        {
            if (type == Cmd.RoomBc)
            {
                latency.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime((long)Wire.ReadVarintField(body, 3)).TotalMicroseconds));
                Interlocked.Increment(ref delivered);
            }
        };
        var receiving = sessions.Select(s => Task.Run(async () =>
        {
            try
            {
                while (await s.ReceiveAsync(onFrame))
                {
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                // Closed at the end of the run.
            }
        })).ToArray();

        var clock = Stopwatch.StartNew();
        await SendAsync(owner, created.Rid);
        long expected = (long)options.Messages * options.Online;
        await LeanRoom.WaitForDeliveriesAsync(() => Interlocked.Read(ref delivered), expected);

        var elapsed = clock.Elapsed;
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        await Task.WhenAll(receiving);
        var got = Interlocked.Read(ref delivered);
        return new Report(options, got, expected - got, elapsed, latency);
    }

    private async Task SendAsync(LeanConnection owner, ulong rid)
    {
        var buffer = new byte[MaxFrame * Math.Max(options.Window, 1)];
        int sent = 0, answered = 0, due = options.Window;
        FrameHandler onAck = (type, serial, body) =>
        {
            if (type == Cmd.RoomBcAck && serial > 1)
            {
                if (Wire.ReadVarintField(body, 2) != ResultCode.Ok)
                {
                    throw new InvalidOperationException($"ROOM-BC refused with {Wire.ReadVarintField(body, 2)}");
                }

                answered++;
                due++;
            }
        };

        while (answered < options.Messages)
        {
            int length = 0;
            while (due > 0 && sent < options.Messages && length + MaxFrame <= buffer.Length)
            {
                sent++;
                due--;
                length += Wire.WriteRoomBroadcast(buffer.AsSpan(length), (ulong)sent + 1, rid, Stopwatch.GetTimestamp(), Data);
            }

            if (length > 0)
            {
                await owner.SendAsync(buffer.AsMemory(0, length));
            }

            if (answered < options.Messages && !await owner.ReceiveAsync(onAck))
            {
                throw new IOException("the room owner was disconnected");
            }
        }
    }

    /// <summary>Waits until <paramref name="delivered"/> reaches <paramref name="expected"/>, or 60 s have passed.</summary>
    public static async Task WaitForDeliveriesAsync(Func<long> delivered, long expected)
    {
        var deadline = Stopwatch.StartNew();
        while (delivered() < expected && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(2);
        }
    }
}
