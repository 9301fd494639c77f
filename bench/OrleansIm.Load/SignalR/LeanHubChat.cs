using System.Diagnostics;
using System.Globalization;
using HdrHistogram;
using OrleansIm.Load.Lean;

namespace OrleansIm.Load.SignalR;

/// <summary>
/// The chat scenario against the SignalR peer on <see cref="LeanHubConnection"/>s (<c>--client signalr-lean</c>): the
/// same measure as <see cref="SignalRChat"/> (each sender invokes Chat(dest, CHAT frame); the completion is the ACK;
/// receivers count the relays "m" and time them from the frame's send time) and the same loops as the lean chat: closed
/// loop with <c>window</c> invocations outstanding per sender, the next ones sent on each completion, batched into one
/// WebSocket message; or open loop on a schedule (<c>--rate</c>), latency from the intended send time.
/// </summary>
public sealed class LeanHubChat(LoadOptions options)
{
    private static readonly long HighestMicros = TimeSpan.FromMinutes(10).Ticks / 10;
    private static readonly byte[] Text = "load test message"u8.ToArray();
    private static readonly byte[] Chat = "Chat"u8.ToArray();
    private const int MaxFrame = 256;
    private const int MaxInvocation = MaxFrame + 64;

    private readonly LongConcurrentHistogram _ackLatency = new(1, HighestMicros, 3);
    private readonly LongConcurrentHistogram _deliveryLatency = new(1, HighestMicros, 3);
    private int _acked;
    private int _refused;
    private int _delivered;

    public async Task<LoadReport> RunAsync()
    {
        var senders = new LeanHubConnection[options.Pairs];
        var receivers = new LeanHubConnection[options.Pairs];
        for (int i = 0; i < options.Pairs; i++)
        {
            var uid = options.FirstUid + (ulong)(2 * i);
            senders[i] = await LeanHubConnection.ConnectAsync(options, uid);
            receivers[i] = await LeanHubConnection.ConnectAsync(options, uid + 1);
        }

        using var stop = new CancellationTokenSource();
        var receiving = receivers.Select(r => Task.Run(() => ReceiveAsync(r, stop.Token))).ToArray();
        var clock = Stopwatch.StartNew();
        var sending = senders.Select(s => Task.Run(() => options.Rate > 0 ? SendOnScheduleAsync(s, s.Uid + 1) : SendClosedLoopAsync(s, s.Uid + 1))).ToArray();
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

    /// <summary>Writes the invocation Chat(dest, CHAT frame) with invocation id <paramref name="serial"/>; returns its length.</summary>
    private static int WriteChat(Span<byte> destination, ulong serial, ulong uid, ReadOnlySpan<byte> destName, ulong dest, long time)
    {
        Span<byte> frame = stackalloc byte[MaxFrame];
        int length = Wire.WriteChat(frame, serial, uid, dest, time, Text);
        return LeanHubConnection.WriteInvocation(destination, serial, Chat, destName, frame[..length]);
    }

    private static byte[] Name(ulong uid) => System.Text.Encoding.ASCII.GetBytes(uid.ToString(CultureInfo.InvariantCulture));

    private async Task SendClosedLoopAsync(LeanHubConnection sender, ulong dest)
    {
        var destName = Name(dest);
        int messages = options.Messages;
        var sentAt = new long[messages + 1];
        var buffer = new byte[MaxInvocation * Math.Max(options.Window, 64)];
        int sent = 0, answered = 0, due = options.Window;
        HubMessageHandler onMessage = (kind, id, _) =>
        {
            if (kind == HubMessageKind.Relay || id == 0 || id > (ulong)messages)
            {
                return;
            }

            ClosedLoop.Record(_ackLatency, sentAt[id]);
            Interlocked.Increment(ref kind == HubMessageKind.Completion ? ref _acked : ref _refused);
            answered++;
            due++;
        };

        while (answered < messages)
        {
            int length = 0;
            while (due > 0 && sent < messages && length + MaxInvocation <= buffer.Length)
            {
                var now = Stopwatch.GetTimestamp();
                sent++;
                sentAt[sent] = now;
                length += WriteChat(buffer.AsSpan(length), (ulong)sent, sender.Uid, destName, dest, now);
                due--;
            }

            if (length > 0)
            {
                await sender.SendAsync(buffer.AsMemory(0, length));
            }

            if (answered < messages && !await sender.ReceiveAsync(onMessage))
            {
                throw new IOException($"sender {sender.Uid} was disconnected");
            }
        }
    }

    private async Task SendOnScheduleAsync(LeanHubConnection sender, ulong dest)
    {
        var destName = Name(dest);
        int messages = options.Messages;
        var sentAt = new long[messages + 1];
        long interval = (long)(Stopwatch.Frequency / ((double)options.Rate / options.Pairs));
        int answered = 0;
        HubMessageHandler onMessage = (kind, id, _) =>
        {
            if (kind == HubMessageKind.Relay || id == 0 || id > (ulong)messages)
            {
                return;
            }

            ClosedLoop.Record(_ackLatency, Volatile.Read(ref sentAt[id]));
            Interlocked.Increment(ref kind == HubMessageKind.Completion ? ref _acked : ref _refused);
            Interlocked.Increment(ref answered);
        };

        var receiving = Task.Run(async () =>
        {
            while (Volatile.Read(ref answered) < messages)
            {
                if (!await sender.ReceiveAsync(onMessage))
                {
                    throw new IOException($"sender {sender.Uid} was disconnected");
                }
            }
        });

        // Spread the senders' schedules over one interval so they do not all fire at once.
        long start = Stopwatch.GetTimestamp() + Random.Shared.NextInt64(interval);
        var buffer = new byte[MaxInvocation * 256];
        int sent = 0;
        while (sent < messages)
        {
            var now = Stopwatch.GetTimestamp();
            int length = 0;
            while (sent < messages && start + sent * interval <= now && length + MaxInvocation <= buffer.Length)
            {
                var intended = start + sent * interval;
                sent++;
                Volatile.Write(ref sentAt[sent], intended);
                length += WriteChat(buffer.AsSpan(length), (ulong)sent, sender.Uid, destName, dest, intended);
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

    private async Task ReceiveAsync(LeanHubConnection receiver, CancellationToken stop)
    {
        HubMessageHandler onMessage = (kind, _, frame) =>
        {
            if (kind == HubMessageKind.Relay && frame.Length >= Protocol.FrameHeader.Size)
            {
                ClosedLoop.Record(_deliveryLatency, (long)Wire.ReadVarintField(frame[Protocol.FrameHeader.Size..], 4));
                Interlocked.Increment(ref _delivered);
            }
        };

        try
        {
            while (!stop.IsCancellationRequested && await receiver.ReceiveAsync(onMessage))
            {
                await receiver.KeepAliveAsync();
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The run is over and the connection was closed under the loop.
        }
    }
}
