using System.Diagnostics.Metrics;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Diagnostics;

/// <summary>
/// Frames counted by command without a tag lookup per frame: one slot per command of the command table (and one
/// for anything else), incremented with an interlocked add and read by an observable counter when exported.
/// </summary>
public sealed class CommandCounts
{
    // Command ids are below 0x0700; anything else lands in the last slot.
    private const int IdLimit = 0x0700;

    private static readonly short[] SlotOfId = BuildSlots();
    private static readonly KeyValuePair<string, object?>[] Tags = [
        .. CommandTable.All.Select(c => new KeyValuePair<string, object?>("command", c.Name)),
        new KeyValuePair<string, object?>("command", "other")];

    private readonly long[] _counts = new long[Tags.Length];

    public void Add(uint cmd) => Interlocked.Increment(ref _counts[cmd < IdLimit ? SlotOfId[cmd] : Tags.Length - 1]);

    public IEnumerable<Measurement<long>> Observe()
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            var count = Volatile.Read(ref _counts[i]);
            if (count != 0)
            {
                yield return new Measurement<long>(count, Tags[i]);
            }
        }
    }

    private static short[] BuildSlots()
    {
        var slots = new short[IdLimit];
        Array.Fill(slots, (short)CommandTable.All.Count);
        for (int i = 0; i < CommandTable.All.Count; i++)
        {
            slots[CommandTable.All[i].Id] = (short)i;
        }

        return slots;
    }
}
