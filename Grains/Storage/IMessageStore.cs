using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Storage;

/// <summary>
/// Where messages live: every user's inbox and every group's log (seq 1, 2, 3 … without gaps), each body stored
/// once. A returned append has committed. Two implementations (memory, PostgreSQL) pass the same contract tests.
/// </summary>
public interface IMessageStore
{
    /// <summary>
    /// Appends one entry to a group log at its next seq; durable when the task completes. Appends to one log get seqs
    /// in the order they were called, and a repeated (orig, serial) takes none. Concurrent appends are batched.
    /// Inboxes take <see cref="AppendInboxAsync"/>.
    /// </summary>
    Task<AppendResult> AppendAsync(LogAppend entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a message in one or two inboxes in one commit, giving each row its inbox's next seq; durable when the
    /// task completes. Appends to one inbox get seqs in the order they were called. Concurrent appends are batched.
    /// </summary>
    Task<InboxAppendResult> AppendInboxAsync(InboxAppend entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="AppendInboxAsync"/> for several messages at once, in order, with one result each in the same order.
    /// They all go to the same receiving inbox (or, where none is stored, come from the same sender), and are
    /// committed together: all or none.
    /// </summary>
    Task<InboxAppendResult[]> AppendInboxBatchAsync(InboxAppend[] entries, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="max"/> entries of a log after <paramref name="afterSeq"/>, in order.</summary>
    Task<IReadOnlyList<LogEntry>> ReadAsync(LogKind kind, ulong owner, ulong afterSeq, int max, CancellationToken cancellationToken = default);

    /// <summary>The highest seq of a log (0 when empty).</summary>
    Task<ulong> GetHeadAsync(LogKind kind, ulong owner, CancellationToken cancellationToken = default);

    /// <summary>The entry at <paramref name="seq"/> of a log with what the store knows of it, or null.</summary>
    Task<StoredEntry?> GetEntryAsync(LogKind kind, ulong owner, ulong seq, CancellationToken cancellationToken = default);

    /// <summary>The latest private message of each conversation of <paramref name="uid"/>'s inbox (one per peer).</summary>
    Task<IReadOnlyList<StoredEntry>> LatestPerPeerAsync(ulong uid, CancellationToken cancellationToken = default);

    /// <summary>How many messages <paramref name="peer"/> sent to <paramref name="uid"/> after inbox seq <paramref name="afterSeq"/>.</summary>
    Task<int> CountFromPeerAsync(ulong uid, ulong peer, ulong afterSeq, CancellationToken cancellationToken = default);

    /// <summary>The latest message <paramref name="peer"/> sent to <paramref name="uid"/> at or below inbox seq <paramref name="atOrBelow"/>, or null.</summary>
    Task<StoredEntry?> LastFromPeerAsync(ulong uid, ulong peer, ulong atOrBelow, CancellationToken cancellationToken = default);

    /// <summary>The latest message (an entry with a sender, not a notice) of group <paramref name="gid"/>'s log, or null.</summary>
    Task<StoredEntry?> LastGroupMessageAsync(ulong gid, CancellationToken cancellationToken = default);

    /// <summary>How many messages of group <paramref name="gid"/> after <paramref name="afterSeq"/> were sent by others than <paramref name="reader"/>.</summary>
    Task<int> CountGroupMessagesAsync(ulong gid, ulong afterSeq, ulong reader, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the body of the message at <paramref name="seq"/> of a log (a recall's tombstone), for every log that
    /// holds it; durable when the task completes. False when there is no such entry.
    /// </summary>
    Task<bool> ReplaceBodyAsync(LogKind kind, ulong owner, ulong seq, byte[] body, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes every entry of <paramref name="uid"/>'s inbox, and the bodies no other entry names; the head stays,
    /// so the next entry takes the next seq. Returns how many entries were removed (0 for an empty or unknown inbox).
    /// </summary>
    Task<long> EraseInboxAsync(ulong uid, CancellationToken cancellationToken = default);

    /// <summary>
    /// Offers every stored body <paramref name="orig"/> made (in any inbox or group log) to <paramref name="replace"/>
    /// with its command; a non-null answer replaces the body (for every entry that shares it). Returns how many
    /// bodies were replaced.
    /// </summary>
    Task<long> ReplaceSentAsync(ulong orig, Func<uint, byte[], byte[]?> replace, CancellationToken cancellationToken = default);
}
