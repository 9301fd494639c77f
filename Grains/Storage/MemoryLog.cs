using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Storage;

/// <summary>One log of the <see cref="InMemoryMessageStore"/>: entries at seq 1, 2, 3 …; callers hold <see cref="Lock"/>.</summary>
internal sealed class MemoryLog
{
    private readonly List<Entry> _entries = [];
    private Dictionary<(ulong Orig, ulong Serial), (ulong Seq, long MessageId)>? _bySerial;

    public Lock Lock { get; } = new();

    public ulong Head => (ulong)_entries.Count;

    /// <summary>The earlier entry with this (orig, serial), if the serial is non-zero and was stored.</summary>
    public (ulong Seq, long MessageId)? Earlier(ulong orig, ulong serial) =>
        serial != 0 && _bySerial is not null && _bySerial.TryGetValue((orig, serial), out var earlier) ? earlier : null;

    /// <summary>Appends at the next seq and returns it.</summary>
    public ulong Add(ulong orig, ulong serial, ulong peer, MemoryMessage message)
    {
        _entries.Add(new Entry(orig, peer, message));
        var seq = Head;
        if (serial != 0)
        {
            (_bySerial ??= [])[(orig, serial)] = (seq, message.Id);
        }

        return seq;
    }

    /// <summary>Records the seq of entry <paramref name="seq"/>'s message in its peer's inbox.</summary>
    public void SetPeerSeq(ulong seq, ulong peerSeq) => _entries[(int)seq - 1].PeerSeq = peerSeq;

    public IReadOnlyList<LogEntry> Read(ulong afterSeq, int max)
    {
        // Seqs are dense from 1, so the entry with seq s sits at index s - 1.
        var start = (int)Math.Min(afterSeq, Head);
        var count = Math.Min(max, _entries.Count - start);
        var page = new List<LogEntry>(count);
        for (int i = start; i < start + count; i++)
        {
            page.Add(new LogEntry((ulong)i + 1, _entries[i].Message.Cmd, _entries[i].Message.Body));
        }

        return page;
    }

    public StoredEntry? Get(ulong seq) => seq >= 1 && seq <= Head ? Stored(seq) : null;

    /// <summary>The latest entry at or below <paramref name="atOrBelow"/> (from the head down) that <paramref name="match"/> accepts.</summary>
    public StoredEntry? Last(ulong atOrBelow, Func<Entry, bool> match)
    {
        for (var seq = Math.Min(atOrBelow, Head); seq >= 1; seq--)
        {
            if (match(_entries[(int)seq - 1]))
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
        for (var i = (int)Math.Min(afterSeq, Head); i < _entries.Count; i++)
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
        for (var seq = Head; seq >= 1; seq--)
        {
            var peer = _entries[(int)seq - 1].Peer;
            if (peer != 0 && seen.Add(peer))
            {
                latest.Add(Stored(seq));
            }
        }

        return latest;
    }

    public MemoryMessage? MessageAt(ulong seq) => seq >= 1 && seq <= Head ? _entries[(int)seq - 1].Message : null;

    private StoredEntry Stored(ulong seq)
    {
        var e = _entries[(int)seq - 1];
        return new StoredEntry(seq, e.Message.Cmd, e.Orig, e.Peer, e.PeerSeq, e.Message.Id, e.Message.Created, e.Message.Body);
    }

    /// <summary>One row: who made it, the conversation it belongs to (private messages) and the shared message.</summary>
    internal sealed class Entry(ulong orig, ulong peer, MemoryMessage message)
    {
        public ulong Orig { get; } = orig;

        public ulong Peer { get; } = peer;

        public ulong PeerSeq { get; set; }

        public MemoryMessage Message { get; } = message;
    }
}
