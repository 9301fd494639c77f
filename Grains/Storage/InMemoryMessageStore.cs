using System.Collections.Concurrent;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Storage;

/// <summary>
/// The embedded mode's message store: everything in process memory, lost on exit. Each log has its own lock (one
/// lock for the whole store was the most contended thing on the CHAT path); a message for two inboxes takes both,
/// lower uid first. Both inboxes hold the same body array: it is stored once.
/// </summary>
public sealed class InMemoryMessageStore : IMessageStore
{
    private readonly ConcurrentDictionary<(LogKind Kind, ulong Owner), MemoryLog> _logs = new();
    private long _lastMessageId;

    public Task<AppendResult> AppendAsync(LogAppend entry, CancellationToken cancellationToken = default)
    {
        if (entry.Kind != LogKind.Group)
        {
            throw new ArgumentException("inbox entries are appended with AppendInboxAsync", nameof(entry));
        }

        var log = LogOf(entry.Kind, entry.Owner);
        lock (log.Lock)
        {
            if (log.Earlier(entry.Orig, entry.Serial) is { } earlier)
            {
                return Task.FromResult(new AppendResult(false, earlier.Seq, earlier.MessageId));
            }

            var messageId = Interlocked.Increment(ref _lastMessageId);
            var seq = log.Add(entry.Orig, entry.Serial, entry.Cmd, entry.Body, messageId);
            return Task.FromResult(new AppendResult(true, seq, messageId));
        }
    }

    public Task<InboxAppendResult> AppendInboxAsync(InboxAppend entry, CancellationToken cancellationToken = default)
    {
        if (entry.Receiver == 0 && entry.Sender == 0)
        {
            throw new ArgumentException("an inbox append needs a receiver or a sender", nameof(entry));
        }

        var receiver = entry.Receiver == 0 ? null : LogOf(LogKind.Inbox, entry.Receiver);
        var sender = entry.Sender == 0 || entry.Sender == entry.Receiver ? null : LogOf(LogKind.Inbox, entry.Sender);
        var (first, second) = entry.Sender != 0 && entry.Receiver != 0 && entry.Sender < entry.Receiver ? (sender, receiver) : (receiver, sender);
        lock (first?.Lock ?? second!.Lock)
        {
            lock (second?.Lock ?? first!.Lock)
            {
                var receiverEarlier = receiver?.Earlier(entry.Orig, entry.Serial);
                var senderEarlier = sender?.Earlier(entry.Orig, entry.Serial);
                if (receiverEarlier is not null || senderEarlier is not null)
                {
                    return Task.FromResult(new InboxAppendResult(false, receiverEarlier?.Seq ?? 0, senderEarlier?.Seq ?? 0));
                }

                var messageId = Interlocked.Increment(ref _lastMessageId);
                var receiverSeq = receiver?.Add(entry.Orig, entry.Serial, entry.Cmd, entry.Body, messageId) ?? 0;
                var senderSeq = sender?.Add(entry.Orig, entry.Serial, entry.Cmd, entry.Body, messageId) ?? 0;
                return Task.FromResult(new InboxAppendResult(true, receiverSeq, senderSeq));
            }
        }
    }

    public Task<IReadOnlyList<LogEntry>> ReadAsync(LogKind kind, ulong owner, ulong afterSeq, int max, CancellationToken cancellationToken = default)
    {
        var log = LogOf(kind, owner);
        lock (log.Lock)
        {
            return Task.FromResult(log.Read(afterSeq, max));
        }
    }

    public Task<ulong> GetHeadAsync(LogKind kind, ulong owner, CancellationToken cancellationToken = default)
    {
        var log = LogOf(kind, owner);
        lock (log.Lock)
        {
            return Task.FromResult(log.Head);
        }
    }

    private MemoryLog LogOf(LogKind kind, ulong owner) => _logs.GetOrAdd((kind, owner), static _ => new MemoryLog());
}
