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
    private int _acked;
    private int _refused;
    private int _delivered;

    public async Task<LoadReport> RunAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        var senders = new LeanConnection[options.Pairs];
        var receivers = new LeanConnection[options.Pairs];
        for (int i = 0; i < options.Pairs; i++)
        {
            var uid = options.FirstUid + (ulong)(2 * i);
            senders[i] = await ConnectAsync(http, uid, 2 * i);
            receivers[i] = await ConnectAsync(http, uid + 1, 2 * i + 1);
        }

        using var stop = new CancellationTokenSource();
        var receiving = receivers.Select(r => Task.Run(() => ReceiveAsync(r, stop.Token))).ToArray();
        var clock = Stopwatch.StartNew();
        var sending = senders.Select((s, i) => Task.Run(() => options.Rate > 0
            ? SendOnScheduleAsync(s, receivers[i].Uid)
            : SendClosedLoopAsync(s, receivers[i].Uid))).ToArray();
        await Task.WhenAll(sending);

        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref _delivered) < Volatile.Read(ref _acked) && deadline.Elapsed < TimeSpan.FromSeconds(30))
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
        return new LoadReport(options, _acked, _refused, _delivered, _acked - _delivered, elapsed, _ackLatency, _deliveryLatency);
    }

    private async Task<LeanConnection> ConnectAsync(HttpClient http, ulong uid, int index)
    {
        var connection = await LeanConnection.ConnectAsync(options.UsesWebSocket(index), options.Host, options.TcpPort, options.HttpPort);
        await connection.LoginAsync(http, uid);
        return connection;
    }

    private async Task SendClosedLoopAsync(LeanConnection sender, ulong dest)
    {
        var sentAt = new long[options.Messages + 1];
        var buffer = new byte[MaxFrame * Math.Max(options.Window, 64)];
        int sent = 0, answered = 0, due = options.Window;
        FrameHandler onFrame = (type, serial, body) =>
        {
            if (type != Cmd.ChatAck || serial == 0 || serial > (ulong)options.Messages)
            {
                return;
            }

            Record(_ackLatency, sentAt[serial]);
            Interlocked.Increment(ref Wire.ReadVarintField(body, 3) == ResultCode.Ok ? ref _acked : ref _refused);
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
                length += Wire.WriteChat(buffer.AsSpan(length), (ulong)sent, sender.Uid, dest, now, Text);
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
            Interlocked.Increment(ref Wire.ReadVarintField(body, 3) == ResultCode.Ok ? ref _acked : ref _refused);
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

    private async Task ReceiveAsync(LeanConnection receiver, CancellationToken stop)
    {
        FrameHandler onFrame = (type, _, body) =>
        {
            if (type == Cmd.Chat)
            {
                Record(_deliveryLatency, (long)Wire.ReadVarintField(body, 4));
                Interlocked.Increment(ref _delivered);
            }
        };

        try
        {
            while (!stop.IsCancellationRequested && await receiver.ReceiveAsync(onFrame))
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
