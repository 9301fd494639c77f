using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Events;

namespace OrleansIm.Grains.Storage;

/// <summary>
/// The embedded mode's message store: everything in process memory, lost on exit. Each log has its own lock (one
/// lock for the whole store was the most contended thing on the CHAT path); a message for two inboxes takes both,
/// lower uid first. Both inboxes hold the same body array: it is stored once.
/// </summary>
/// <remarks>A message's webhook events go to the <see cref="MemoryEventOutbox"/> under the same lock.</remarks>
public sealed partial class InMemoryMessageStore([FromKeyedServices(ImClock.Key)] TimeProvider time, MemoryEventOutbox? outbox = null) : IMessageStore
{
    private readonly ConcurrentDictionary<(LogKind Kind, ulong Owner), MemoryLog> _logs = new();
    private long _lastMessageId;
    private readonly UnreadCounts _unread = new();

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

            var message = NewMessage(entry.Cmd, entry.Body);
            var seq = log.Add(entry.Orig, entry.Serial, 0, message);
            if (entry.Events is { } events)
            {
                Record(events, LogKind.Group, entry.Owner, log, seq, unread: null);
            }

            return Task.FromResult(new AppendResult(true, seq, message.Id));
        }
    }

    public Task<InboxAppendResult[]> AppendInboxBatchAsync(InboxAppend[] entries, CancellationToken cancellationToken = default)
    {
        // In memory each append completes at once, in call order.
        var results = new InboxAppendResult[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            results[i] = AppendInbox(entries[i]);
        }

        return Task.FromResult(results);
    }

    public Task<InboxAppendResult> AppendInboxAsync(InboxAppend entry, CancellationToken cancellationToken = default) =>
        Task.FromResult(AppendInbox(entry));

    private InboxAppendResult AppendInbox(InboxAppend entry)
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
                    return new InboxAppendResult(false, receiverEarlier?.Seq ?? 0, senderEarlier?.Seq ?? 0);
                }

                var message = NewMessage(entry.Cmd, entry.Body);
                var conversation = entry.Dest != 0;
                var receiverSeq = receiver?.Add(entry.Orig, entry.Serial, conversation ? entry.Orig : 0, message) ?? 0;
                var senderSeq = sender?.Add(entry.Orig, entry.Serial, conversation ? entry.Dest : 0, message) ?? 0;
                if (conversation && receiver is not null && sender is not null)
                {
                    receiver.SetPeerSeq(receiverSeq, senderSeq);
                    sender.SetPeerSeq(senderSeq, receiverSeq);
                }

                if (entry.Events is { } events)
                {
                    if (receiver is not null)
                    {
                        long? unread = null;
                        if (conversation && events.Offline)
                        {
                            lock (_unread)
                            {
                                var (after, start) = _unread.Start(entry.Receiver, entry.Orig, events.ReadSeq, receiverSeq);
                                unread = start + receiver.Count(after, e => e.Peer == entry.Orig && e.Orig == entry.Orig);
                                _unread.Done(entry.Receiver, entry.Orig, events.ReadSeq, receiverSeq, unread.Value);
                            }
                        }

                        Record(events, LogKind.Inbox, entry.Receiver, receiver, receiverSeq, unread);
                    }
                    else if (sender is not null)
                    {
                        Record(events with { Offline = false }, LogKind.Inbox, entry.Sender, sender, senderSeq, unread: null);
                    }
                }

                return new InboxAppendResult(true, receiverSeq, senderSeq);
            }
        }
    }

    /// <summary>Records a message's events (the caller holds <paramref name="log"/>'s lock).</summary>
    private void Record(Events.MessageEvents events, LogKind kind, ulong owner, MemoryLog log, ulong seq, long? unread)
    {
        if (outbox is null || log.Get(seq) is not { } stored)
        {
            return;
        }

        if (events.Offline)
        {
            outbox.AddMessage(Events.EventKinds.MessageOffline, kind, owner, seq, events.Payload, stored, kind == LogKind.Inbox && stored.Peer != 0 ? unread : null);
        }

        if (events.Stored)
        {
            outbox.AddMessage(Events.EventKinds.MessageStored, kind, owner, seq, null, stored, null);
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

    public Task<StoredEntry?> GetEntryAsync(LogKind kind, ulong owner, ulong seq, CancellationToken cancellationToken = default) =>
        Under(LogOf(kind, owner), log => log.Get(seq));

    public Task<IReadOnlyList<StoredEntry>> LatestPerPeerAsync(ulong uid, CancellationToken cancellationToken = default) =>
        Under(LogOf(LogKind.Inbox, uid), log => log.LatestPerPeer());

    public Task<int> CountFromPeerAsync(ulong uid, ulong peer, ulong afterSeq, CancellationToken cancellationToken = default) =>
        Under(LogOf(LogKind.Inbox, uid), log => log.Count(afterSeq, e => e.Peer == peer && e.Orig == peer));

    public Task<StoredEntry?> LastFromPeerAsync(ulong uid, ulong peer, ulong atOrBelow, CancellationToken cancellationToken = default) =>
        Under(LogOf(LogKind.Inbox, uid), log => log.Last(atOrBelow, e => e.Peer == peer && e.Orig == peer));

    public Task<StoredEntry?> LastGroupMessageAsync(ulong gid, CancellationToken cancellationToken = default) =>
        Under(LogOf(LogKind.Group, gid), log => log.Last(ulong.MaxValue, e => e.Orig != 0));

    public Task<int> CountGroupMessagesAsync(ulong gid, ulong afterSeq, ulong reader, CancellationToken cancellationToken = default) =>
        Under(LogOf(LogKind.Group, gid), log => log.Count(afterSeq, e => e.Orig != 0 && e.Orig != reader));

    public Task<bool> ReplaceBodyAsync(LogKind kind, ulong owner, ulong seq, byte[] body, CancellationToken cancellationToken = default) =>
        Under(LogOf(kind, owner), log =>
        {
            if (log.MessageAt(seq) is not { } message)
            {
                return false;
            }

            message.Body = body;
            return true;
        });

    public Task<long> EraseInboxAsync(ulong uid, CancellationToken cancellationToken = default)
    {
        if (!_logs.TryGetValue((LogKind.Inbox, uid), out var log))
        {
            return Task.FromResult(0L);
        }

        long removed;
        lock (log.Lock)
        {
            removed = log.Trim(static _ => true, 0, keepNewest: false, int.MaxValue);
        }

        lock (_unread)
        {
            _unread.Forget(uid);
        }

        return Task.FromResult(removed);
    }

    public Task<long> ReplaceSentAsync(ulong orig, Func<uint, byte[], byte[]?> replace, CancellationToken cancellationToken = default)
    {
        // A body is shared by the entries of one message; each is offered once.
        var seen = new HashSet<long>();
        long replaced = 0;
        foreach (var log in _logs.Values)
        {
            lock (log.Lock)
            {
                foreach (var message in log.MessagesOf(orig))
                {
                    if (seen.Add(message.Id) && replace(message.Cmd, message.Body) is { } body)
                    {
                        message.Body = body;
                        replaced++;
                    }
                }
            }
        }

        return Task.FromResult(replaced);
    }

    private static Task<T> Under<T>(MemoryLog log, Func<MemoryLog, T> read)
    {
        lock (log.Lock)
        {
            return Task.FromResult(read(log));
        }
    }

    private MemoryMessage NewMessage(uint cmd, byte[] body) => new(Interlocked.Increment(ref _lastMessageId), cmd, body, time.GetUtcNow());

    private MemoryLog LogOf(LogKind kind, ulong owner) => _logs.GetOrAdd((kind, owner), static _ => new MemoryLog());
}
