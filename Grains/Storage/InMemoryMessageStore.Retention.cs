using OrleansIm.Grains.Storage.Retention;

namespace OrleansIm.Grains.Storage;

/// <summary>Retention in embedded mode: each log is trimmed under its own lock, a bounded number of entries at a time.</summary>
public sealed partial class InMemoryMessageStore : IMessageTrimmer
{
    /// <summary>
    /// One pass over every log, removing at most <see cref="RetentionOptions.BatchSize"/> entries from each (one
    /// copy of the rest of that log's list, under its lock). The round is over when no log had more to remove.
    /// </summary>
    public Task<TrimStep> TrimAsync(RetentionOptions options, DateTimeOffset? cutoff, CancellationToken cancellationToken)
    {
        long inbox = 0, group = 0;
        var done = true;
        Func<MemoryLog.Entry, bool> old = cutoff is { } before ? e => e.Message.Created < before : static _ => false;
        foreach (var ((kind, _), log) in _logs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int removed;
            lock (log.Lock)
            {
                removed = log.Trim(old, options.MaxCount, keepNewest: kind == LogKind.Group, options.BatchSize);
            }

            if (kind == LogKind.Inbox)
            {
                inbox += removed;
            }
            else
            {
                group += removed;
            }

            done &= removed < options.BatchSize;
        }

        return Task.FromResult(new TrimStep(inbox, group, done));
    }
}
