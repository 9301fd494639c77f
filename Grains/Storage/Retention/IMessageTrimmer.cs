namespace OrleansIm.Grains.Storage.Retention;

/// <summary>What one trimming step did: entries removed from inboxes and group logs, and whether the round is over.</summary>
public readonly record struct TrimStep(long Inbox, long Group, bool Done);

/// <summary>A message store that can remove what retention no longer keeps, one bounded step at a time.</summary>
public interface IMessageTrimmer
{
    /// <summary>
    /// One step of a round: removes at most about <see cref="RetentionOptions.BatchSize"/> entries that are older than
    /// <paramref name="cutoff"/> (when an age is set) or beyond the newest <see cref="RetentionOptions.MaxCount"/> of
    /// their log. A group log always keeps its newest entry (its seq is where the next one follows); an inbox's head is
    /// kept apart from its entries, so an inbox may be emptied. Seqs are never reused.
    /// </summary>
    Task<TrimStep> TrimAsync(RetentionOptions options, DateTimeOffset? cutoff, CancellationToken cancellationToken);
}
