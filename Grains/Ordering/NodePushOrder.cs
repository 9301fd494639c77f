using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Ordering;

/// <summary>
/// Numbers one grain activation's pushes to each gateway node in another silo (<see cref="PushOrder"/>), so that the
/// node delivers them in the order the grain made them. Single-threaded, like the grain; made on the first push.
/// </summary>
public sealed class NodePushOrder(IGatewayNodes nodes, TimeProvider time)
{
    // Most grains push to one or two nodes: a short list, searched linearly.
    private readonly List<Run> _runs = [];

    /// <summary>The order of the next push to node <paramref name="nid"/>.</summary>
    public PushOrder Next(uint nid)
    {
        if (nodes.IsLocal(nid))
        {
            return PushOrder.None;
        }

        var now = time.GetTimestamp();
        int i = IndexOf(nid);
        if (i < 0)
        {
            _runs.Add(new Run(nid, NewSource(), 0, now));
            i = _runs.Count - 1;
        }
        else if (time.GetElapsedTime(_runs[i].Last, now) >= PushOrder.RunGap)
        {
            // After a pause the node may have forgotten this run; a new one starts at 1 wherever it is remembered.
            _runs[i] = new Run(nid, NewSource(), 0, now);
        }

        var run = _runs[i] with { Seq = _runs[i].Seq + 1, Last = now };
        _runs[i] = run;
        return new PushOrder(run.Source, run.Seq);
    }

    // A loop, not FindIndex with a lambda: the lambda's capture of nid would be allocated on every call, local
    // pushes included.
    private int IndexOf(uint nid)
    {
        for (int i = 0; i < _runs.Count; i++)
        {
            if (_runs[i].Nid == nid)
            {
                return i;
            }
        }

        return -1;
    }

    private static ulong NewSource()
    {
        ulong source;
        do
        {
            source = (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        }
        while (source == 0);

        return source;
    }

    private readonly record struct Run(uint Nid, ulong Source, ulong Seq, long Last);
}
