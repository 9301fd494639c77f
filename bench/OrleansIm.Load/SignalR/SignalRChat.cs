using System.Diagnostics;
using HdrHistogram;
using Microsoft.AspNetCore.SignalR.Client;
using OrleansIm.Load.Lean;

namespace OrleansIm.Load.SignalR;

/// <summary>
/// The chat scenario against the SignalR peer, driven by the SignalR .NET client: each sender invokes Chat with the
/// same CHAT frame bytes, keeping <c>window</c> invocations outstanding (closed loop) or on a schedule (<c>--rate</c>);
/// the completed invocation is the ACK; receivers count what the hub relays. With <c>--connections N</c> each sender
/// has N hub connections (the same user) and sends its invocations over them in turn, the window still per sender.
/// </summary>
public sealed class SignalRChat(LoadOptions options)
{
    private static readonly long HighestMicros = TimeSpan.FromMinutes(10).Ticks / 10;
    private static readonly byte[] Text = "load test message"u8.ToArray();

    private readonly LongConcurrentHistogram _ackLatency = new(1, HighestMicros, 3);
    private readonly LongConcurrentHistogram _deliveryLatency = new(1, HighestMicros, 3);
    private int _acked;
    private int _delivered;

    public async Task<LoadReport> RunAsync()
    {
        var senders = new HubConnection[options.Pairs][];
        var receivers = new HubConnection[options.Pairs];
        for (int i = 0; i < options.Pairs; i++)
        {
            var uid = options.FirstUid + (ulong)(2 * i);
            senders[i] = new HubConnection[options.Connections];
            for (int c = 0; c < options.Connections; c++)
            {
                senders[i][c] = await PeerConnections.ConnectAsync(options, uid);
            }

            receivers[i] = await PeerConnections.ConnectAsync(options, uid + 1);
            receivers[i].On<byte[]>("m", frame =>
            {
                Record(_deliveryLatency, (long)Wire.ReadVarintField(frame.AsSpan(Protocol.FrameHeader.Size), 4));
                Interlocked.Increment(ref _delivered);
            });
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(senders.Select((s, i) => Task.Run(() => SendAsync(s, options.FirstUid + (ulong)(2 * i), options.FirstUid + (ulong)(2 * i) + 1))));
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref _delivered) < _acked && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(2);
        }

        var elapsed = clock.Elapsed;
        foreach (var connection in senders.SelectMany(s => s).Concat(receivers))
        {
            await connection.DisposeAsync();
        }

        return new LoadReport(options, _acked, 0, _delivered, _acked - _delivered, elapsed, _ackLatency, _deliveryLatency);
    }

    private async Task SendAsync(HubConnection[] sender, ulong uid, ulong dest)
    {
        var destName = dest.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var window = new SemaphoreSlim(options.Window);
        var inFlight = new List<Task>(options.Messages);
        long interval = options.Rate > 0 ? (long)(Stopwatch.Frequency / ((double)options.Rate / options.Pairs)) : 0;
        long start = Stopwatch.GetTimestamp() + (interval > 0 ? Random.Shared.NextInt64(interval) : 0);
        for (int m = 1; m <= options.Messages; m++)
        {
            long intended;
            if (interval > 0)
            {
                intended = start + (m - 1) * interval;
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait);
                }
            }
            else
            {
                await window.WaitAsync();
                intended = Stopwatch.GetTimestamp();
            }

            var frame = new byte[256];
            int length = Wire.WriteChat(frame, (ulong)m, uid, dest, intended, Text);
            inFlight.Add(InvokeAsync(sender[m % sender.Length], destName, frame[..length], intended, interval > 0 ? null : window));
        }

        await Task.WhenAll(inFlight);
    }

    private async Task InvokeAsync(HubConnection sender, string dest, byte[] frame, long intended, SemaphoreSlim? window)
    {
        try
        {
            await sender.InvokeAsync<int>("Chat", dest, frame);
            Record(_ackLatency, intended);
            Interlocked.Increment(ref _acked);
        }
        finally
        {
            window?.Release();
        }
    }

    private static void Record(LongConcurrentHistogram histogram, long sentTimestamp) =>
        histogram.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(sentTimestamp).TotalMicroseconds));
}
