using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Storage;

/// <summary>One log of the <see cref="InMemoryMessageStore"/>: entries at seq 1, 2, 3 …; callers hold <see cref="Lock"/>.</summary>
internal sealed class MemoryLog
{
    private readonly List<(uint Cmd, byte[] Body, long MessageId)> _entries = [];
    private Dictionary<(ulong Orig, ulong Serial), (ulong Seq, long MessageId)>? _bySerial;

    public Lock Lock { get; } = new();

    public ulong Head => (ulong)_entries.Count;

    /// <summary>The earlier entry with this (orig, serial), if the serial is non-zero and was stored.</summary>
    public (ulong Seq, long MessageId)? Earlier(ulong orig, ulong serial) =>
        serial != 0 && _bySerial is not null && _bySerial.TryGetValue((orig, serial), out var earlier) ? earlier : null;

    /// <summary>Appends at the next seq and returns it.</summary>
    public ulong Add(ulong orig, ulong serial, uint cmd, byte[] body, long messageId)
    {
        _entries.Add((cmd, body, messageId));
        var seq = Head;
        if (serial != 0)
        {
            (_bySerial ??= [])[(orig, serial)] = (seq, messageId);
        }

        return seq;
    }

    public IReadOnlyList<LogEntry> Read(ulong afterSeq, int max)
    {
        // Seqs are dense from 1, so the entry with seq s sits at index s - 1.
        var start = (int)Math.Min(afterSeq, Head);
        var count = Math.Min(max, _entries.Count - start);
        var page = new List<LogEntry>(count);
        for (int i = start; i < start + count; i++)
        {
            page.Add(new LogEntry((ulong)i + 1, _entries[i].Cmd, _entries[i].Body));
        }

        return page;
    }
}
