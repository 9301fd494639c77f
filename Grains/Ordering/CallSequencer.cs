using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Ordering;

/// <summary>
/// Starts the ordered calls a grain receives from each sender's connection in the order they were sent, whatever
/// order the runtime delivers them in (it does not keep one while an activation is being created or looked up).
/// A call whose predecessor (<see cref="CallOrder.After"/>) has not started here waits until it does, or until its
/// gateway reports that the predecessor finished (elsewhere, or failed): see docs/protocol.md, "Ordering".
/// </summary>
/// <remarks>
/// Use: <c>if (sequencer.Enter(order) is { } turn) { await turn; sequencer.Resume(order); }</c>, then, in the same
/// turn, the step that fixes the call's place (the store append that takes its seq). A waiting call is woken alone
/// and the next one only when it resumed, so the order never depends on how the runtime schedules continuations.
/// The grain's methods that use it must interleave (a waiting call must not block its predecessor).
/// </remarks>
public sealed class CallSequencer(IGrainBase grain, SenderFloors floors, OrderingOptions options)
{
    private readonly Dictionary<(uint Nid, long Connection), Stream> _streams = [];
    private int _sweepAt = options.StreamsBeforeSweep;
    private int _generation;
    private int _held;
    private long _tick;
    private IGrainTimer? _timer;

    /// <summary>Calls waiting for their predecessor now.</summary>
    public int Waiting => _held;

    /// <summary>
    /// Null when the call may start now (it counts as started); otherwise a task that completes when its turn came,
    /// after which the caller must call <see cref="Resume"/> before anything else.
    /// </summary>
    public Task? Enter(in CallOrder order)
    {
        if (order.Index == 0)
        {
            return null;
        }

        var stream = StreamOf(order);
        if (order.Floor > stream.Floor)
        {
            stream.Floor = order.Floor;
            WakeNext(stream);
        }

        if (MayStart(stream, order.After))
        {
            Started(stream, order.Index);
            return null;
        }

        var waiter = new Waiter(order, _tick);
        (stream.Held ??= []).Add(waiter);
        _held++;
        _timer ??= grain.RegisterGrainTimer(CheckHeldAsync, new GrainTimerCreationOptions(options.GapCheckInterval, options.GapCheckInterval) { Interleave = true });
        return waiter.Turn.Task;
    }

    /// <summary>A woken call runs: it counts as started, and the call waiting for it (if any) is woken in turn.</summary>
    public void Resume(in CallOrder order)
    {
        var stream = _streams[(order.Nid, order.Connection)];
        stream.Waking = false;
        Started(stream, order.Index);
    }

    private Stream StreamOf(in CallOrder order)
    {
        var key = (order.Nid, order.Connection);
        if (!_streams.TryGetValue(key, out var stream))
        {
            if (_streams.Count >= _sweepAt)
            {
                Sweep();
            }

            stream = new Stream();
            _streams.Add(key, stream);
        }

        stream.Generation = _generation;
        return stream;
    }

    /// <summary>
    /// Whether a call that follows <paramref name="after"/> may start. Calls of one lane reach this grain with growing
    /// indexes, and one starts only after its predecessor, so an index at or below the last started one has started
    /// or finished; one below the floor has finished.
    /// </summary>
    private static bool MayStart(Stream stream, ulong after) =>
        after == 0 || after <= stream.LastStarted || after < stream.Floor;

    private void Started(Stream stream, ulong index)
    {
        stream.LastStarted = Math.Max(stream.LastStarted, index);
        WakeNext(stream);
    }

    /// <summary>Wakes the lowest waiting call that may start, unless one woken earlier has not resumed yet.</summary>
    private void WakeNext(Stream stream)
    {
        if (stream.Waking || stream.Held is not { Count: > 0 } held)
        {
            return;
        }

        int next = -1;
        for (int i = 0; i < held.Count; i++)
        {
            if (MayStart(stream, held[i].Order.After) && (next < 0 || held[i].Order.Index < held[next].Order.Index))
            {
                next = i;
            }
        }

        if (next < 0)
        {
            return;
        }

        var waiter = held[next];
        held.RemoveAt(next);
        _held--;
        stream.Waking = true;
        waiter.Turn.SetResult();
        if (_held == 0)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <summary>
    /// Every check interval while calls wait: for each connection with a call that has waited a whole interval, asks
    /// its gateway which of its requests are still running; those below that floor finished and are not coming.
    /// </summary>
    private async Task CheckHeldAsync(CancellationToken cancellationToken)
    {
        _tick++;
        var overdue = _streams.Where(s => s.Value.Held is { Count: > 0 } held && held.Exists(w => w.Since < _tick - 1)).Select(s => s.Key).ToList();
        foreach (var key in overdue)
        {
            var floor = await floors.AskAsync(key.Nid, key.Connection);
            if (_streams.TryGetValue(key, out var stream) && floor > stream.Floor)
            {
                stream.Floor = floor;
                WakeNext(stream);
            }
        }
    }

    /// <summary>Forgets the connections not heard from since the last sweep (nothing of them waits or is being woken).</summary>
    private void Sweep()
    {
        var quiet = _streams.Where(s => s.Value.Generation < _generation && s.Value.Held is not { Count: > 0 } && !s.Value.Waking).Select(s => s.Key).ToList();
        foreach (var key in quiet)
        {
            _streams.Remove(key);
        }

        _generation++;
        _sweepAt = Math.Max(options.StreamsBeforeSweep, 2 * _streams.Count);
    }

    /// <summary>What this grain knows of one sender connection's ordered calls.</summary>
    private sealed class Stream
    {
        public ulong LastStarted;
        public ulong Floor;
        public bool Waking;
        public int Generation;
        public List<Waiter>? Held;
    }

    private sealed class Waiter(CallOrder order, long since)
    {
        public CallOrder Order { get; } = order;

        /// <summary>The check tick at which it began to wait.</summary>
        public long Since { get; } = since;

        // Continuations run asynchronously: the woken call must not run inside the call that woke it, ahead of it.
        public TaskCompletionSource Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
