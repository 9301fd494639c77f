using System.Runtime.CompilerServices;
using System.Diagnostics;
using HdrHistogram;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Load.Lean;

/// <summary>
/// Group-chat throughput: <c>pairs</c> groups, each with one sender (its owner) keeping <c>window</c> GROUP-CHATs
/// unacknowledged and <c>online</c> members reading. Measures messages/s acknowledged (each stored in its group's log),
/// ACK latency, and deliveries to the readers.
/// </summary>
public sealed class LeanGroupChat(LoadOptions options)
{
    private static readonly long HighestMicros = TimeSpan.FromMinutes(10).Ticks / 10;
    private static readonly byte[] Text = "load test message"u8.ToArray();

    private readonly LongConcurrentHistogram _ackLatency = new(1, HighestMicros, 3);
    private readonly LongConcurrentHistogram _deliveryLatency = new(1, HighestMicros, 3);
    private readonly StrongBox<int> _acked = new();
    private readonly StrongBox<int> _refused = new();
    private readonly StrongBox<int> _delivered = new();

    public async Task<LoadReport> RunAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        var senders = new LeanConnection[options.Pairs];
        var gids = new ulong[options.Pairs];
        var readers = new List<LeanConnection>();
        int index = 0;
        for (int g = 0; g < options.Pairs; g++)
        {
            var owner = options.FirstUid + (ulong)(g * (options.Online + 1));
            senders[g] = await ConnectAsync(http, owner, index++);
            var created = GroupCreatAck.Parser.ParseFrom(await senders[g].RequestAsync(Cmd.GroupCreat, new GroupCreat { Uid = owner, Gid = 0, Name = "load", Desc = "" }, Cmd.GroupCreatAck, 1));
            if (created.Code != ResultCode.Ok)
            {
                throw new InvalidOperationException($"GROUP-CREAT failed with {created.Code}");
            }

            gids[g] = created.Gid;
            for (int r = 1; r <= options.Online; r++)
            {
                var reader = await ConnectAsync(http, owner + (ulong)r, index++);
                var joined = GroupJoinAck.Parser.ParseFrom(await reader.RequestAsync(Cmd.GroupJoin, new GroupJoin { Uid = reader.Uid, Gid = gids[g] }, Cmd.GroupJoinAck, 1));
                if (joined.Code != ResultCode.Ok)
                {
                    throw new InvalidOperationException($"GROUP-JOIN failed with {joined.Code}");
                }

                readers.Add(reader);
            }
        }

        using var stop = new CancellationTokenSource();
        var receiving = readers.Select(r => Task.Run(() => ReceiveAsync(r, stop.Token))).ToArray();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(senders.Select((s, g) => Task.Run(() => SendAsync(s, gids[g]))));

        var expected = (long)Volatile.Read(ref _acked.Value) * options.Online;
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref _delivered.Value) < expected && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(2);
        }

        var elapsed = clock.Elapsed;
        stop.Cancel();
        foreach (var connection in senders.Concat(readers))
        {
            await connection.DisposeAsync();
        }

        await Task.WhenAll(receiving);
        return new LoadReport(options, _acked.Value, _refused.Value, _delivered.Value, (int)(expected - _delivered.Value), elapsed, _ackLatency, _deliveryLatency);
    }

    private async Task<LeanConnection> ConnectAsync(HttpClient http, ulong uid, int index)
    {
        var connection = await LeanConnection.ConnectAsync(options.UsesWebSocket(index), options.Host, options.TcpPort, options.HttpPort, options.Packed);
        await connection.LoginAsync(http, uid);
        return connection;
    }

    private Task SendAsync(LeanConnection sender, ulong gid) =>
        ClosedLoop.SendAsync(sender, options.Messages, options.Window, Cmd.GroupChatAck, 1,
            (destination, serial, now) => Wire.WriteGroupChat(destination, serial, sender.Uid, gid, now, Text), _ackLatency, _acked, _refused);

    private Task ReceiveAsync(LeanConnection reader, CancellationToken stop) =>
        ClosedLoop.ReceiveAsync(reader, Cmd.GroupChat, _deliveryLatency, _delivered, stop);
}
