using System.Diagnostics;
using System.Runtime.CompilerServices;
using HdrHistogram;

namespace OrleansIm.Load.Lean;

/// <summary>Writes one request frame at <paramref name="destination"/>; returns its length.</summary>
public delegate int RequestWriter(Span<byte> destination, ulong serial, long now);

/// <summary>
/// The closed loop the lean scenarios share: one sender keeps <c>window</c> requests unacknowledged, sending the next
/// on each ACK (serials 1 … messages), and the receive loop of a reader counting what is pushed to it.
/// </summary>
public static class ClosedLoop
{
    private const int MaxFrame = 256;

    /// <summary>
    /// Sends <paramref name="messages"/> requests written by <paramref name="write"/>, at most <paramref name="window"/>
    /// unanswered; each ACK of command <paramref name="ackCmd"/> is timed into <paramref name="ackLatency"/> and its
    /// code (varint field <paramref name="codeField"/>) counted into <paramref name="acked"/> or <paramref name="refused"/>.
    /// </summary>
    public static async Task SendAsync(LeanConnection sender, int messages, int window, uint ackCmd, int codeField, RequestWriter write,
        LongConcurrentHistogram ackLatency, StrongBox<int> acked, StrongBox<int> refused)
    {
        var sentAt = new long[messages + 1];
        var buffer = new byte[MaxFrame * Math.Max(window, 64)];
        int sent = 0, answered = 0, due = window;
        FrameHandler onFrame = (type, serial, body) =>
        {
            if (type != ackCmd || serial == 0 || serial > (ulong)messages)
            {
                return;
            }

            Record(ackLatency, sentAt[serial]);
            Interlocked.Increment(ref Wire.ReadVarintField(body, codeField) == 0 ? ref acked.Value : ref refused.Value);
            answered++;
            due++;
        };

        while (answered < messages)
        {
            int length = 0;
            while (due > 0 && sent < messages && length + MaxFrame <= buffer.Length)
            {
                var now = Stopwatch.GetTimestamp();
                sent++;
                sentAt[sent] = now;
                length += write(buffer.AsSpan(length), (ulong)sent, now);
                due--;
            }

            if (length > 0)
            {
                await sender.SendAsync(buffer.AsMemory(0, length));
            }

            if (answered < messages && !await sender.ReceiveAsync(onFrame))
            {
                throw new IOException($"sender {sender.Uid} was disconnected");
            }
        }
    }

    /// <summary>Reads until <paramref name="stop"/>, counting every frame of <paramref name="cmd"/> and timing it from its varint field 4 (the send time).</summary>
    public static async Task ReceiveAsync(LeanConnection reader, uint cmd, LongConcurrentHistogram deliveryLatency, StrongBox<int> delivered, CancellationToken stop)
    {
        FrameHandler onFrame = (type, _, body) =>
        {
            if (type == cmd)
            {
                Record(deliveryLatency, (long)Wire.ReadVarintField(body, 4));
                Interlocked.Increment(ref delivered.Value);
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

    public static void Record(LongConcurrentHistogram histogram, long sentTimestamp) =>
        histogram.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(sentTimestamp).TotalMicroseconds));
}
