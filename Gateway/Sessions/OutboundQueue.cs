using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// A connection's bounded outbound queue: any thread writes (replies, pushes, fan-out), one write loop reads. A
/// write or a read takes no lock (a room message puts one frame in each of thousands of queues, and a channel's lock
/// per frame was contended between the fan-out and the write loops); the reader is woken only when it waits, through
/// one reusable completion source, so a wake-up allocates nothing.
/// </summary>
public sealed class OutboundQueue(int capacity) : IValueTaskSource<bool>
{
    /// <summary>A SYNC replay waits while the queue holds more than 1/<c>ReplayShare</c> of its limit.</summary>
    public const int ReplayShare = 2;

    /// <summary>The node's senders wait while a queue holds 1/<c>CongestedShare</c> of its limit or more.</summary>
    public const int CongestedShare = 4;

    /// <summary>A congested queue counts as caught up again once it holds 1/<c>ClearedShare</c> of its limit or less.</summary>
    public const int ClearedShare = 8;

    private readonly ConcurrentQueue<OutboundFrame> _frames = new();
    private ManualResetValueTaskSourceCore<bool> _wake = new() { RunContinuationsAsynchronously = true };
    private int _count;
    private int _completed;
    private int _readerWaiting;

    /// <summary>Frames queued and not yet read.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>False when full or completed; the frame is then not queued.</summary>
    public bool TryWrite(in OutboundFrame frame)
    {
        if (Volatile.Read(ref _completed) != 0)
        {
            return false;
        }

        if (Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        // The interlocked read-and-clear is a full fence after the enqueue published the frame: either the reader
        // sees the frame when it looks again after announcing, or this sees the announcement and wakes it.
        _frames.Enqueue(frame);
        if (Interlocked.CompareExchange(ref _readerWaiting, 0, 1) == 1)
        {
            _wake.SetResult(true);
        }

        return true;
    }

    public bool TryRead(out OutboundFrame frame)
    {
        if (_frames.TryDequeue(out frame))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    /// <summary>
    /// True when there may be a frame to read; false once completed and empty. One reader only, and it awaits each
    /// result before asking again.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        while (true)
        {
            if (!_frames.IsEmpty)
            {
                return new ValueTask<bool>(true);
            }

            if (Volatile.Read(ref _completed) != 0)
            {
                // Completion is published after the last write: look once more before calling it the end.
                return new ValueTask<bool>(!_frames.IsEmpty);
            }

            _wake.Reset();
            Interlocked.Exchange(ref _readerWaiting, 1);
            if ((!_frames.IsEmpty || Volatile.Read(ref _completed) != 0) && Interlocked.Exchange(ref _readerWaiting, 0) == 1)
            {
                // Something arrived between the check and the announcement, and nobody took it: look again.
                continue;
            }

            // Announced and waiting for a writer, or a writer took the announcement and completes the wait.
            return new ValueTask<bool>(this, _wake.Version);
        }
    }

    /// <summary>No more writes; the reader drains what is queued and then sees the end.</summary>
    public void Complete()
    {
        Volatile.Write(ref _completed, 1);
        if (Interlocked.Exchange(ref _readerWaiting, 0) == 1)
        {
            _wake.SetResult(true);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _wake.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _wake.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wake.OnCompleted(continuation, state, token, flags);
}
