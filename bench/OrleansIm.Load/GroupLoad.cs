using System.Diagnostics;
using HdrHistogram;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Load;

/// <summary>
/// Group fan-out: an owner creates a group of <c>members</c>, <c>online</c> of them connect (alternating TCP and
/// WebSocket under --transport mixed), and the owner sends <c>messages</c> GROUP-CHATs one at a time, each only
/// after the previous one reached every online session. Measures the time for one message to reach all.
/// </summary>
public sealed class GroupLoad(LoadOptions options)
{
    public sealed record Report(LoadOptions Options, int Delivered, int Lost, TimeSpan Elapsed, HistogramBase ToAll)
    {
        public override string ToString() =>
            $"group fan-out: members={Options.Members} online={Options.Online} messages={Options.Messages} transport={Options.Transport}\n" +
            $"  delivered={Delivered} lost={Lost} elapsed={Elapsed.TotalSeconds:F2}s deliveries/s={Delivered / Elapsed.TotalSeconds:F0}\n" +
            $"  time for one message to reach all online sessions ms: p50={Ms(50)} p99={Ms(99)} max={Ms(100)}";

        private string Ms(double percentile) => ToAll.TotalCount == 0 ? "-" : (ToAll.GetValueAtPercentile(percentile) / 1000.0).ToString("F2");
    }

    public async Task<Report> RunAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        var connector = new ImClientConnector(options);
        await using var owner = await connector.ConnectAsync(http, options.FirstUid, 0);
        var created = (await owner.RequestAsync(Cmd.GroupCreat, new GroupCreat { Uid = owner.Uid, Gid = 0, Name = "load", Desc = "" })).As(GroupCreatAck.Parser);
        if (created.Code != ResultCode.Ok)
        {
            throw new InvalidOperationException($"GROUP-CREAT failed with {created.Code}");
        }

        var gid = created.Gid;
        var members = Enumerable.Range(1, options.Members - 1).Select(i => options.FirstUid + (ulong)i).ToArray();
        foreach (var uid in members)
        {
            var invited = (await owner.RequestAsync(Cmd.GroupInvite, new GroupInvite { Uid = owner.Uid, Gid = gid, To = uid })).As(GroupInviteAck.Parser);
            if (invited.Code != ResultCode.Ok)
            {
                throw new InvalidOperationException($"GROUP-INVITE of {uid} failed with {invited.Code}");
            }
        }

        var sessions = new List<ImClient>();
        for (int i = 0; i < options.Online; i++)
        {
            sessions.Add(await connector.ConnectAsync(http, members[i], i));
        }

        var toAll = new LongHistogram(1, TimeSpan.FromMinutes(10).Ticks / 10, 3);
        int delivered = 0;
        var clock = Stopwatch.StartNew();
        for (int m = 0; m < options.Messages; m++)
        {
            var started = Stopwatch.GetTimestamp();
            var text = $"fan-out {m}";
            var arrivals = sessions.Select(s => WaitForAsync(s, text)).ToArray();
            await owner.RequestAsync(Cmd.GroupChat, new GroupChat { Uid = owner.Uid, Gid = gid, Level = 0, Time = 0, Text = text }, serial: owner.NextSerial());
            var got = await Task.WhenAll(arrivals);
            delivered += got.Count(g => g);
            toAll.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds));
        }

        var elapsed = clock.Elapsed;
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        return new Report(options, delivered, options.Online * options.Messages - delivered, elapsed, toAll);
    }

    private static async Task<bool> WaitForAsync(ImClient session, string text)
    {
        try
        {
            while (true)
            {
                var frame = await session.ReceiveAsync(Cmd.GroupChat, TimeSpan.FromSeconds(30));
                if (frame.As(GroupChat.Parser).Text == text)
                {
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
