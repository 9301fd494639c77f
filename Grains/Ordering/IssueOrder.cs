namespace OrleansIm.Grains.Ordering;

/// <summary>
/// Finishes a grain's appends in the order they were issued: a store numbers appends in call order, but the
/// continuations of one committed batch may run in any order (the thread pool's local queues even reverse them), so
/// each append's push waits here for the pushes of the appends issued before it. Single-threaded, like the grain.
/// </summary>
/// <remarks>
/// Use: <c>var ticket = order.Issue();</c> right where the append is called, then exactly one of
/// <see cref="Complete"/> (with what to push, or nothing) or <see cref="Abandon"/> (the append failed) for it.
/// </remarks>
public sealed class IssueOrder<T>(Action<T> push)
    where T : struct
{
    private Slot[] _slots = new Slot[8];
    private long _first;
    private long _next;

    /// <summary>Takes the next ticket; tickets are finished in the order they were taken.</summary>
    public long Issue()
    {
        var ticket = _next++;
        if (ticket - _first >= _slots.Length)
        {
            Grow(ticket);
        }

        return ticket;
    }

    /// <summary>The append of <paramref name="ticket"/> committed: <paramref name="value"/> is pushed once every earlier one was.</summary>
    public void Complete(long ticket, T? value)
    {
        if (ticket == _first && _first + 1 == _next)
        {
            // Nothing else outstanding (always so with a store that completes at once): no need to keep anything.
            _first++;
            if (value is { } now)
            {
                push(now);
            }

            return;
        }

        ref var slot = ref _slots[ticket % _slots.Length];
        slot = new Slot(true, value);
        while (_first < _next && _slots[_first % _slots.Length] is { Done: true } head)
        {
            _slots[_first % _slots.Length] = default;
            _first++;
            if (head.Value is { } ready)
            {
                push(ready);
            }
        }
    }

    /// <summary>The append of <paramref name="ticket"/> failed: nothing to push, and the ones after it go on.</summary>
    public void Abandon(long ticket) => Complete(ticket, null);

    private void Grow(long ticket)
    {
        var larger = new Slot[_slots.Length * 2];
        for (long t = _first; t < ticket; t++)
        {
            larger[t % larger.Length] = _slots[t % _slots.Length];
        }

        _slots = larger;
    }

    private readonly record struct Slot(bool Done, T? Value);
}
