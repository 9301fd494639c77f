using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// Delivers the pushes of each run (<see cref="PushOrder"/>: one grain activation's pushes to this node) in the order
/// the grain made them. A push whose predecessor has not arrived waits for it; one that never comes (lost with a
/// failed silo) is given up after <c>gapWait</c>, checked by the node's sweep. Pushes from grains in this silo come
/// unnumbered and pass straight through.
/// </summary>
/// <remarks>
/// Deliveries run under the lock, so a push and the ones released behind it cannot overtake each other; a delivery
/// only posts to connection queues (it never blocks). Remote pushes reach the node one at a time anyway (the
/// runtime delivers an observer's calls in turn); the lock is against the sweep.
/// </remarks>
public sealed class PushSequencer(TimeProvider time, TimeSpan gapWait)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, Run> _runs = [];

    /// <summary>Pushes waiting for a predecessor now.</summary>
    public int Waiting { get; private set; }

    /// <summary>Delivers <paramref name="state"/> with <paramref name="deliver"/> now, or once the pushes before it were.</summary>
    public void Accept<TState>(in PushOrder order, TState state, Action<TState> deliver)
    {
        if (order.Source == 0)
        {
            deliver(state);
            return;
        }

        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (!_runs.TryGetValue(order.Source, out var run))
            {
                run = new Run();
                _runs.Add(order.Source, run);
            }

            run.LastSeen = now;
            if (order.Seq > run.Next)
            {
                if (run.Held is null || run.Held.Count == 0)
                {
                    run.HeldSince = now;
                }

                (run.Held ??= [])[order.Seq] = Defer(deliver, state);
                Waiting++;
                return;
            }

            // In turn, or late (its place was given up): delivered now.
            deliver(state);
            if (order.Seq == run.Next)
            {
                run.Next++;
                Release(run);
            }
        }
    }

    // Apart from Accept, so that only a push that waits pays for its closure (a lambda capturing a parameter of
    // Accept would be allocated on every call, waiting or not).
    private static Action Defer<TState>(Action<TState> deliver, TState state) => () => deliver(state);

    /// <summary>
    /// Called by the node's sweep: gives up the missing pushes that runs have waited for longer than the gap wait,
    /// and forgets runs quiet for <see cref="PushOrder.ForgetAfter"/>.
    /// </summary>
    public void Sweep()
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            List<ulong>? quiet = null;
            foreach (var (source, run) in _runs)
            {
                if (run.Held is { Count: > 0 } held)
                {
                    if (time.GetElapsedTime(run.HeldSince, now) >= gapWait)
                    {
                        run.Next = held.Keys.First();
                        Release(run);
                        run.HeldSince = now;
                    }
                }
                else if (time.GetElapsedTime(run.LastSeen, now) >= PushOrder.ForgetAfter)
                {
                    (quiet ??= []).Add(source);
                }
            }

            foreach (var source in quiet ?? [])
            {
                _runs.Remove(source);
            }
        }
    }

    // Called with the lock held: delivers what waited behind the pushes delivered so far.
    private void Release(Run run)
    {
        while (run.Held is { Count: > 0 } held && held.Remove(run.Next, out var next))
        {
            Waiting--;
            next();
            run.Next++;
        }
    }

    private sealed class Run
    {
        public ulong Next = 1;
        public long LastSeen;
        public long HeldSince;
        public SortedDictionary<ulong, Action>? Held;
    }
}
