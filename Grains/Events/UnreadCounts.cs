namespace OrleansIm.Grains.Events;

/// <summary>
/// Remembers, per receiver and sender, the last unread count an event reported, so that the next one only counts
/// the messages in between: a user offline for thousands of messages costs one short count per message, not a count
/// of everything since the read position. Keyed by the read position too: a READ starts the count again.
/// </summary>
internal sealed class UnreadCounts(int capacity = 100_000)
{
    private readonly Dictionary<(ulong Owner, ulong Peer), (ulong ReadSeq, ulong Seq, long Unread)> _last = [];

    /// <summary>Where to count from for the message at <paramref name="seq"/>, and the unread count up to there.</summary>
    public (ulong After, long Base) Start(ulong owner, ulong peer, ulong readSeq, ulong seq) =>
        _last.TryGetValue((owner, peer), out var last) && last.ReadSeq == readSeq && last.Seq < seq
            ? (last.Seq, last.Unread)
            : (readSeq, 0);

    public void Done(ulong owner, ulong peer, ulong readSeq, ulong seq, long unread)
    {
        if (_last.Count >= capacity)
        {
            _last.Clear();
        }

        _last[(owner, peer)] = (readSeq, seq, unread);
    }

    /// <summary>Forgets every count kept for <paramref name="owner"/> (its inbox was erased).</summary>
    public void Forget(ulong owner)
    {
        foreach (var key in _last.Keys.Where(k => k.Owner == owner).ToList())
        {
            _last.Remove(key);
        }
    }

    /// <summary>The read position in a private message.offline payload (<c>{"read_seq":n}</c>), or 0.</summary>
    public static ulong ReadSeqOf(string? payload)
    {
        if (payload is null)
        {
            return 0;
        }

        using var document = System.Text.Json.JsonDocument.Parse(payload);
        return document.RootElement.TryGetProperty("read_seq", out var value) ? value.GetUInt64() : 0;
    }
}
