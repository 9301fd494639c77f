using System.Runtime.CompilerServices;
using System.Diagnostics;
using HdrHistogram;
using OrleansIm.Protocol;

namespace OrleansIm.Load.Lean;

/// <summary>
/// Private-chat load on <see cref="LeanConnection"/>s: one sender and one receiver per pair. Closed loop (default):
/// each sender keeps <c>window</c> CHATs unacknowledged and sends the next on each ACK. Open loop (<c>--rate</c>):
/// senders send on a fixed schedule whatever the server does, and latency counts from the intended send time, so a
/// server that stalls is charged for the messages that waited (no coordinated omission).
/// </summary>
public sealed class LeanChat(LoadOptions options)
{
    private static readonly long HighestMicros = TimeSpan.FromMinutes(10).Ticks / 10;
    private static readonly byte[] Text = "load test message"u8.ToArray();
    private const int MaxFrame = 256;

    private readonly LongConcurrentHistogram _ackLatency = new(1, HighestMicros, 3);
    private readonly LongConcurrentHistogram _deliveryLatency = new(1, HighestMicros, 3);
    private readonly StrongBox<int> _acked = new();
    private readonly StrongBox<int> _refused = new();
    private readonly StrongBox<int> _delivered = new();

    public async Task<LoadReport> RunAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        var senders = new LeanConnection[options.Pairs];
        var receivers = new LeanConnection[options.OfflineReceivers ? 0 : options.Pairs];
        var receiverUids = new ulong[options.Pairs];
        for (int i = 0; i < options.Pairs; i++)
        {
            var uid = options.FirstUid + (ulong)(2 * i);
            senders[i] = await ConnectAsync(http, uid, 2 * i);
            receiverUids[i] = uid + 1;
            if (!options.OfflineReceivers)
            {
                receivers[i] = await ConnectAsync(http, uid + 1, 2 * i + 1);
            }
        }

        using var stop = new CancellationTokenSource();
        var receiving = receivers.Select(r => Task.Run(() => ReceiveAsync(r, stop.Token))).ToArray();
        var clock = Stopwatch.StartNew();
        var sending = senders.Select((s, i) => Task.Run(() => options.Rate > 0
            ? SendOnScheduleAsync(s, receiverUids[i])
            : SendClosedLoopAsync(s, receiverUids[i]))).ToArray();
        await Task.WhenAll(sending);

        // Offline receivers: the messages wait in their inboxes; there are no deliveries to wait for or to count.
        var deadline = Stopwatch.StartNew();
        while (!options.OfflineReceivers && Volatile.Read(ref _delivered.Value) < Volatile.Read(ref _acked.Value) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(2);
        }

        var elapsed = clock.Elapsed;
        stop.Cancel();
        foreach (var connection in senders.Concat(receivers))
        {
            await connection.DisposeAsync();
        }

        await Task.WhenAll(receiving);
        var lost = options.OfflineReceivers ? 0 : _acked.Value - _delivered.Value;
        return new LoadReport(options, _acked.Value, _refused.Value, _delivered.Value, lost, elapsed, _ackLatency, _deliveryLatency);
    }

    private async Task<LeanConnection> ConnectAsync(HttpClient http, ulong uid, int index)
    {
        var connection = await LeanConnection.ConnectAsync(options.UsesWebSocket(index), options.HostOf(index), options.TcpPort, options.HttpPort, options.Packed);
        await connection.LoginAsync(http, uid);
        return connection;
    }

    private Task SendClosedLoopAsync(LeanConnection sender, ulong dest) =>
        ClosedLoop.SendAsync(sender, options.Messages, options.Window, Cmd.ChatAck, 3,
            (destination, serial, now) => Wire.WriteChat(destination, serial, sender.Uid, dest, now, Text), _ackLatency, _acked, _refused);

    private async Task SendOnScheduleAsync(LeanConnection sender, ulong dest)
    {
        var sentAt = new long[options.Messages + 1];
        double perSecond = (double)options.Rate / options.Pairs;
        long interval = (long)(Stopwatch.Frequency / perSecond);
        int answered = 0;
        FrameHandler onFrame = (type, serial, body) =>
        {
            if (type != Cmd.ChatAck || serial == 0 || serial > (ulong)options.Messages)
            {
                return;
            }

            Record(_ackLatency, Volatile.Read(ref sentAt[serial]));
            Interlocked.Increment(ref Wire.ReadVarintField(body, 3) == ResultCode.Ok ? ref _acked.Value : ref _refused.Value);
            Interlocked.Increment(ref answered);
        };

        var receiving = Task.Run(async () =>
        {
            while (Volatile.Read(ref answered) < options.Messages)
            {
                if (!await sender.ReceiveAsync(onFrame))
                {
                    throw new IOException($"sender {sender.Uid} was disconnected");
                }
            }
        });

        // Spread the senders' schedules over one interval so they do not all fire at once.
        long start = Stopwatch.GetTimestamp() + Random.Shared.NextInt64(interval);
        var buffer = new byte[MaxFrame * 256];
        int sent = 0;
        while (sent < options.Messages)
        {
            var now = Stopwatch.GetTimestamp();
            int length = 0;
            while (sent < options.Messages && start + sent * interval <= now && length + MaxFrame <= buffer.Length)
            {
                var intended = start + sent * interval;
                sent++;
                Volatile.Write(ref sentAt[sent], intended);
                length += Wire.WriteChat(buffer.AsSpan(length), (ulong)sent, sender.Uid, dest, intended, Text);
            }

            if (length > 0)
            {
                await sender.SendAsync(buffer.AsMemory(0, length));
            }
            else
            {
                var wait = TimeSpan.FromTicks((start + sent * interval - now) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
                await Task.Delay(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1));
            }
        }

        await receiving;
    }

    private Task ReceiveAsync(LeanConnection receiver, CancellationToken stop) =>
        ClosedLoop.ReceiveAsync(receiver, Cmd.Chat, _deliveryLatency, _delivered, stop);

    private static void Record(LongConcurrentHistogram histogram, long sentTimestamp) => ClosedLoop.Record(histogram, sentTimestamp);
}
