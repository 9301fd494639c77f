using System.Diagnostics;
using HdrHistogram;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Load;

/// <summary>
/// Room fan-out: <c>online</c> sessions join one room (alternating TCP and WebSocket under --transport mixed), and
/// the owner sends <c>messages</c> ROOM-BCs, each after the previous one reached every session. Measures the
/// latency of every delivery (send to receipt) and deliveries/s.
/// </summary>
public sealed class RoomLoad(LoadOptions options)
{
    public sealed record Report(LoadOptions Options, int Delivered, int Lost, TimeSpan Elapsed, HistogramBase Latency, HistogramBase ToAll)
    {
        public override string ToString() =>
            $"room fan-out: sessions={Options.Online} messages={Options.Messages} transport={Options.Transport}\n" +
            $"  delivered={Delivered} lost={Lost} elapsed={Elapsed.TotalSeconds:F2}s deliveries/s={Delivered / Elapsed.TotalSeconds:F0}\n" +
            $"  delivery latency ms: p50={Ms(Latency, 50)} p99={Ms(Latency, 99)} max={Ms(Latency, 100)}\n" +
            $"  time for one message to reach all sessions ms: p50={Ms(ToAll, 50)} p99={Ms(ToAll, 99)}";

        private static string Ms(HistogramBase h, double percentile) => h.TotalCount == 0 ? "-" : (h.GetValueAtPercentile(percentile) / 1000.0).ToString("F2");
    }

    public async Task<Report> RunAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        var connector = new ChatLoad(options);
        await using var owner = await connector.ConnectAsync(http, options.FirstUid, 0);
        var created = (await owner.RequestAsync(Cmd.RoomCreat, new RoomCreat { Uid = owner.Uid, Rid = 0, Name = "load", Desc = "" })).As(RoomCreatAck.Parser);
        if (created.Code != ResultCode.Ok)
        {
            throw new InvalidOperationException($"ROOM-CREAT failed with {created.Code}");
        }

        var sessions = new ImClient[options.Online];
        for (int i = 0; i < options.Online; i++)
        {
            sessions[i] = await connector.ConnectAsync(http, options.FirstUid + 1 + (ulong)i, i);
            var joined = (await sessions[i].RequestAsync(Cmd.RoomJoin, new RoomJoin { Uid = sessions[i].Uid, Rid = created.Rid })).As(RoomJoinAck.Parser);
            if (joined.Code != ResultCode.Ok)
            {
                throw new InvalidOperationException($"ROOM-JOIN failed with {joined.Code}");
            }
        }

        var latency = new LongConcurrentHistogram(1, TimeSpan.FromMinutes(10).Ticks / 10, 3);
        var toAll = new LongHistogram(1, TimeSpan.FromMinutes(10).Ticks / 10, 3);
        int delivered = 0;
        var clock = Stopwatch.StartNew();
        for (int m = 0; m < options.Messages; m++)
        {
            var started = Stopwatch.GetTimestamp();
            var arrivals = sessions.Select(s => WaitAsync(s, (ulong)started, latency)).ToArray();
            var bc = new RoomBc { Rid = created.Rid, Level = 0, Time = (ulong)started, Expire = 0, Data = Google.Protobuf.ByteString.CopyFromUtf8("load") };
            await owner.RequestAsync(Cmd.RoomBc, bc, serial: owner.NextSerial());
            var got = await Task.WhenAll(arrivals);
            delivered += got.Count(g => g);
            toAll.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds));
        }

        var elapsed = clock.Elapsed;
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        return new Report(options, delivered, options.Online * options.Messages - delivered, elapsed, latency, toAll);
    }

    private static async Task<bool> WaitAsync(ImClient session, ulong sent, LongConcurrentHistogram latency)
    {
        try
        {
            while (true)
            {
                var frame = await session.ReceiveAsync(Cmd.RoomBc, TimeSpan.FromSeconds(60));
                if (frame.As(RoomBc.Parser).Time == sent)
                {
                    latency.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime((long)sent).TotalMicroseconds));
                    return true;
                }
            }
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
