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

    /// <summary>Up to <paramref name="max"/> entries of a log after <paramref name="afterSeq"/>, in order.</summary>
    Task<IReadOnlyList<LogEntry>> ReadAsync(LogKind kind, ulong owner, ulong afterSeq, int max, CancellationToken cancellationToken = default);

    /// <summary>The highest seq of a log (0 when empty).</summary>
    Task<ulong> GetHeadAsync(LogKind kind, ulong owner, CancellationToken cancellationToken = default);
}
