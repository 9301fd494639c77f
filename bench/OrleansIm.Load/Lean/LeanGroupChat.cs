using System.Diagnostics;
using Google.Protobuf;
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
    private const int MaxFrame = 256;

    private readonly LongConcurrentHistogram _ackLatency = new(1, HighestMicros, 3);
    private readonly LongConcurrentHistogram _deliveryLatency = new(1, HighestMicros, 3);
    private int _acked;
    private int _refused;
    private int _delivered;

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

        var expected = (long)Volatile.Read(ref _acked) * options.Online;
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref _delivered) < expected && deadline.Elapsed < TimeSpan.FromSeconds(30))
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
        return new LoadReport(options, _acked, _refused, _delivered, (int)(expected - _delivered), elapsed, _ackLatency, _deliveryLatency);
    }

    private async Task<LeanConnection> ConnectAsync(HttpClient http, ulong uid, int index)
    {
        var connection = await LeanConnection.ConnectAsync(options.UsesWebSocket(index), options.Host, options.TcpPort, options.HttpPort);
        await connection.LoginAsync(http, uid);
        return connection;
    }

    private async Task SendAsync(LeanConnection sender, ulong gid)
    {
        var sentAt = new long[options.Messages + 1];
        var buffer = new byte[MaxFrame * Math.Max(options.Window, 64)];
        int sent = 0, answered = 0, due = options.Window;
        FrameHandler onFrame = (type, serial, body) =>
        {
            if (type != Cmd.GroupChatAck || serial == 0 || serial > (ulong)options.Messages)
            {
                return;
            }

            Record(_ackLatency, sentAt[serial]);
            Interlocked.Increment(ref Wire.ReadVarintField(body, 1) == ResultCode.Ok ? ref _acked : ref _refused);
            answered++;
            due++;
        };

        while (answered < options.Messages)
        {
            int length = 0;
            while (due > 0 && sent < options.Messages && length + MaxFrame <= buffer.Length)
            {
                var now = Stopwatch.GetTimestamp();
                sent++;
                sentAt[sent] = now;
                length += Wire.WriteGroupChat(buffer.AsSpan(length), (ulong)sent, sender.Uid, gid, now, Text);
                due--;
            }

            if (length > 0)
            {
                await sender.SendAsync(buffer.AsMemory(0, length));
            }

            if (answered < options.Messages && !await sender.ReceiveAsync(onFrame))
            {
                throw new IOException($"sender {sender.Uid} was disconnected");
            }
        }
    }

    private async Task ReceiveAsync(LeanConnection reader, CancellationToken stop)
    {
        FrameHandler onFrame = (type, _, body) =>
        {
            if (type == Cmd.GroupChat)
            {
                Record(_deliveryLatency, (long)Wire.ReadVarintField(body, 4));
                Interlocked.Increment(ref _delivered);
            }
        };

        try
        {
            while (!stop.IsCancellationRequested && await reader.ReceiveAsync(onFrame))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The run is over and the connection was closed under the loop.
        }
    }

    private static void Record(LongConcurrentHistogram histogram, long sentTimestamp) =>
        histogram.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(sentTimestamp).TotalMicroseconds));
}
