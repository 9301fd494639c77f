using System.Threading.Tasks.Sources;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// A connection's bounded outbound queue: any thread writes (replies, pushes, fan-out), one write loop reads. The
/// frames sit in a ring that starts at <see cref="FirstSlots"/> slots, doubles as a burst needs, and is let go once a
/// large one has drained: most connections are idle, and a queue that kept a burst's slots (or a concurrent queue's
/// first segment of 32) would cost every idle session more than all else it holds. A write or a read holds the lock
/// only to move one frame; the reader is woken only when it waits, through one reusable completion source, so a
/// wake-up allocates nothing.
/// </summary>
public sealed class OutboundQueue(int capacity) : IValueTaskSource<bool>
{
    /// <summary>A SYNC replay waits while the queue holds more than 1/<c>ReplayShare</c> of its limit.</summary>
    public const int ReplayShare = 2;

    /// <summary>The node's senders wait while a queue holds 1/<c>CongestedShare</c> of its limit or more.</summary>
    public const int CongestedShare = 4;

    /// <summary>A congested queue counts as caught up again once it holds 1/<c>ClearedShare</c> of its limit or less.</summary>
    public const int ClearedShare = 8;

    /// <summary>Slots of the first ring (a power of two, as every ring's length is).</summary>
    public const int FirstSlots = 4;

    /// <summary>A drained ring longer than this is dropped; the next write starts a first one again.</summary>
    public const int KeptSlots = 32;

    private readonly Lock _gate = new();
    private OutboundFrame[]? _slots;
    private int _head;
    private int _size;
    private ManualResetValueTaskSourceCore<bool> _wake = new() { RunContinuationsAsynchronously = true };
    private int _completed;
    private int _readerWaiting;

    /// <summary>The ring's length now (0 when none is held).</summary>
    public int Slots => Volatile.Read(ref _slots)?.Length ?? 0;

    /// <summary>Frames queued and not yet read.</summary>
    public int Count => Volatile.Read(ref _size);

    /// <summary>False when full or completed; the frame is then not queued.</summary>
    public bool TryWrite(in OutboundFrame frame)
    {
        if (Volatile.Read(ref _completed) != 0)
        {
            return false;
        }

        lock (_gate)
        {
            if (_size >= capacity)
            {
                return false;
            }

            var slots = _slots ??= new OutboundFrame[FirstSlots];
            if (_size == slots.Length)
            {
                slots = _slots = Grow(slots);
            }

            slots[(_head + _size) & (slots.Length - 1)] = frame;
            Volatile.Write(ref _size, _size + 1);
        }

        // The interlocked read-and-clear is a full fence after the size published the frame: either the reader
        // sees the frame when it looks again after announcing, or this sees the announcement and wakes it.
        if (Interlocked.CompareExchange(ref _readerWaiting, 0, 1) == 1)
        {
            _wake.SetResult(true);
        }

        return true;
    }

    public bool TryRead(out OutboundFrame frame)
    {
        lock (_gate)
        {
            if (_size == 0)
            {
                frame = default;
                return false;
            }

            var slots = _slots!;
            frame = slots[_head];
            slots[_head] = default; // the ring must not keep a sent frame's body alive
            _head = (_head + 1) & (slots.Length - 1);
            Volatile.Write(ref _size, _size - 1);
            if (_size == 0)
            {
                _head = 0;
                if (slots.Length > KeptSlots)
                {
                    _slots = null;
                }
            }

            return true;
        }
    }

    private OutboundFrame[] Grow(OutboundFrame[] slots)
    {
        var grown = new OutboundFrame[slots.Length * 2];
        for (int i = 0; i < _size; i++)
        {
            grown[i] = slots[(_head + i) & (slots.Length - 1)];
        }

        _head = 0;
        return grown;
    }

    /// <summary>
    /// True when there may be a frame to read; false once completed and empty. One reader only, and it awaits each
    /// result before asking again.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        while (true)
        {
            if (Volatile.Read(ref _size) != 0)
            {
                return new ValueTask<bool>(true);
            }

            if (Volatile.Read(ref _completed) != 0)
            {
                // Completion is published after the last write: look once more before calling it the end.
                return new ValueTask<bool>(Volatile.Read(ref _size) != 0);
            }

            _wake.Reset();
            Interlocked.Exchange(ref _readerWaiting, 1);
            if ((Volatile.Read(ref _size) != 0 || Volatile.Read(ref _completed) != 0) && Interlocked.Exchange(ref _readerWaiting, 0) == 1)
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
