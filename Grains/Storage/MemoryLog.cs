using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Storage;

/// <summary>
/// One log of the <see cref="InMemoryMessageStore"/>: entries at seq 1, 2, 3 …, of which retention may have removed
/// the oldest (seqs 1 to <see cref="Trimmed"/>); callers hold <see cref="Lock"/>.
/// </summary>
internal sealed class MemoryLog
{
    private readonly List<Entry> _entries = [];
    private ulong _trimmed;
    private Dictionary<(ulong Orig, ulong Serial), (ulong Seq, long MessageId)>? _bySerial;

    public Lock Lock { get; } = new();

    public ulong Head => _trimmed + (ulong)_entries.Count;

    /// <summary>How many of the oldest entries retention removed: the entry at seq s sits at index s - 1 - Trimmed.</summary>
    public ulong Trimmed => _trimmed;

    /// <summary>The earlier entry with this (orig, serial), if the serial is non-zero and was stored.</summary>
    public (ulong Seq, long MessageId)? Earlier(ulong orig, ulong serial) =>
        serial != 0 && _bySerial is not null && _bySerial.TryGetValue((orig, serial), out var earlier) ? earlier : null;

    /// <summary>Appends at the next seq and returns it.</summary>
    public ulong Add(ulong orig, ulong serial, ulong peer, MemoryMessage message)
    {
        _entries.Add(new Entry(orig, serial, peer, message));
        var seq = Head;
        if (serial != 0)
        {
            (_bySerial ??= [])[(orig, serial)] = (seq, message.Id);
        }

        return seq;
    }

    /// <summary>Records the seq of entry <paramref name="seq"/>'s message in its peer's inbox.</summary>
    public void SetPeerSeq(ulong seq, ulong peerSeq) => _entries[Index(seq)].PeerSeq = peerSeq;

    public IReadOnlyList<LogEntry> Read(ulong afterSeq, int max)
    {
        // Seqs are dense, so the entry with seq s sits at index s - 1 - Trimmed.
        var start = (int)(Math.Min(Math.Max(afterSeq, _trimmed), Head) - _trimmed);
        var count = Math.Min(max, _entries.Count - start);
        var page = new List<LogEntry>(count);
        for (int i = start; i < start + count; i++)
        {
            page.Add(new LogEntry(_trimmed + (ulong)i + 1, _entries[i].Message.Cmd, _entries[i].Message.Body));
        }

        return page;
    }

    public StoredEntry? Get(ulong seq) => Holds(seq) ? Stored(seq) : null;

    /// <summary>The latest entry at or below <paramref name="atOrBelow"/> (from the head down) that <paramref name="match"/> accepts.</summary>
    public StoredEntry? Last(ulong atOrBelow, Func<Entry, bool> match)
    {
        for (var seq = Math.Min(atOrBelow, Head); seq > _trimmed; seq--)
        {
            if (match(_entries[Index(seq)]))
            {
                return Stored(seq);
            }
        }

        return null;
    }

    /// <summary>How many entries after <paramref name="afterSeq"/> <paramref name="match"/> accepts.</summary>
    public int Count(ulong afterSeq, Func<Entry, bool> match)
    {
        int count = 0;
        for (var i = (int)(Math.Min(Math.Max(afterSeq, _trimmed), Head) - _trimmed); i < _entries.Count; i++)
        {
            if (match(_entries[i]))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The latest entry of each peer (private messages only).</summary>
    public IReadOnlyList<StoredEntry> LatestPerPeer()
    {
        var seen = new HashSet<ulong>();
        var latest = new List<StoredEntry>();
        for (var seq = Head; seq > _trimmed; seq--)
        {
            var peer = _entries[Index(seq)].Peer;
            if (peer != 0 && seen.Add(peer))
            {
                latest.Add(Stored(seq));
            }
        }

        return latest;
    }

    public MemoryMessage? MessageAt(ulong seq) => Holds(seq) ? _entries[Index(seq)].Message : null;

    /// <summary>
    /// Removes the oldest entries: at most <paramref name="max"/>, each while <paramref name="doomed"/> accepts it or
    /// while more than <paramref name="maxCount"/> (0: no limit) are kept; <paramref name="keepNewest"/> never removes
    /// the last one. Their (orig, serial) pairs are forgotten with them. Returns how many were removed.
    /// </summary>
    public int Trim(Func<Entry, bool> doomed, long maxCount, bool keepNewest, int max)
    {
        var floor = keepNewest ? 1 : 0;
        int n = 0;
        while (n < max && _entries.Count - n > floor && ((maxCount > 0 && _entries.Count - n > maxCount) || doomed(_entries[n])))
        {
            n++;
        }

        if (n == 0)
        {
            return 0;
        }

        if (_bySerial is not null)
        {
            for (int i = 0; i < n; i++)
            {
                if (_entries[i].Serial != 0)
                {
                    _bySerial.Remove((_entries[i].Orig, _entries[i].Serial));
                }
            }
        }

        _entries.RemoveRange(0, n);
        _trimmed += (ulong)n;
        return n;
    }

    /// <summary>The messages of the kept entries <paramref name="orig"/> made.</summary>
    public List<MemoryMessage> MessagesOf(ulong orig) => [.. _entries.Where(e => e.Orig == orig).Select(e => e.Message)];

    private bool Holds(ulong seq) => seq > _trimmed && seq <= Head;

    private int Index(ulong seq) => (int)(seq - _trimmed - 1);

    private StoredEntry Stored(ulong seq)
    {
        var e = _entries[Index(seq)];
        return new StoredEntry(seq, e.Message.Cmd, e.Orig, e.Peer, e.PeerSeq, e.Message.Id, e.Message.Created, e.Message.Body);
    }

    /// <summary>One row: who made it, the conversation it belongs to (private messages) and the shared message.</summary>
    internal sealed class Entry(ulong orig, ulong serial, ulong peer, MemoryMessage message)
    {
        public ulong Orig { get; } = orig;

        public ulong Serial { get; } = serial;

        public ulong Peer { get; } = peer;

        public ulong PeerSeq { get; set; }

        public MemoryMessage Message { get; } = message;
    }
}
