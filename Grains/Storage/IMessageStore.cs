using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Storage;

/// <summary>
/// Where messages live: every user's inbox (seq 1, 2, 3 … without gaps), each body stored once. A returned
/// append has committed. Two implementations (memory, PostgreSQL) pass the same contract tests.
/// </summary>
public interface IMessageStore
{
    /// <summary>Appends one inbox entry; durable when the task completes. Concurrent appends are batched.</summary>
    Task<AppendResult> AppendAsync(InboxAppend entry, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="max"/> entries of <paramref name="uid"/>'s inbox after <paramref name="afterSeq"/>, in order.</summary>
    Task<IReadOnlyList<InboxEntry>> ReadInboxAsync(ulong uid, ulong afterSeq, int max, CancellationToken cancellationToken = default);

    /// <summary>The highest seq in <paramref name="uid"/>'s inbox (0 when empty).</summary>
    Task<ulong> GetInboxHeadAsync(ulong uid, CancellationToken cancellationToken = default);
}
