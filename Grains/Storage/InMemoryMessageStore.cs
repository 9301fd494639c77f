using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Storage;

/// <summary>The embedded mode's message store: everything in process memory, lost on exit.</summary>
public sealed class InMemoryMessageStore : IMessageStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(LogKind Kind, ulong Owner), List<(ulong Seq, long MessageId)>> _logs = [];
    private readonly Dictionary<(LogKind Kind, ulong Owner, ulong Orig, ulong Serial), (ulong Seq, long MessageId)> _bySerial = [];
    private readonly Dictionary<long, (uint Cmd, byte[] Body)> _messages = [];
    private long _lastMessageId;

    public Task<AppendResult> AppendAsync(LogAppend entry, CancellationToken cancellationToken = default)
    {
        if (entry.Kind != LogKind.Group)
        {
            throw new ArgumentException("inbox entries are appended with AppendInboxAsync", nameof(entry));
        }

        lock (_lock)
        {
            if (entry.Serial != 0 && _bySerial.TryGetValue((entry.Kind, entry.Owner, entry.Orig, entry.Serial), out var earlier))
            {
                return Task.FromResult(new AppendResult(false, earlier.Seq, earlier.MessageId));
            }

            var inbox = LogOf(entry.Kind, entry.Owner);
            var head = inbox.Count == 0 ? 0 : inbox[^1].Seq;
            if (entry.Seq != head + 1)
            {
                throw new InvalidOperationException($"{entry.Kind} {entry.Owner}: seq {entry.Seq} does not follow {head}");
            }

            var messageId = entry.MessageId;
            if (messageId == 0)
            {
                messageId = ++_lastMessageId;
                _messages[messageId] = (entry.Cmd, entry.Body);
            }
            else if (!_messages.ContainsKey(messageId))
            {
                throw new InvalidOperationException($"message {messageId} does not exist");
            }

            inbox.Add((entry.Seq, messageId));
            if (entry.Serial != 0)
            {
                _bySerial[(entry.Kind, entry.Owner, entry.Orig, entry.Serial)] = (entry.Seq, messageId);
            }

            return Task.FromResult(new AppendResult(true, entry.Seq, messageId));
        }
    }

    public Task<InboxAppendResult> AppendInboxAsync(InboxAppend entry, CancellationToken cancellationToken = default)
    {
        if (entry.Receiver == 0 && entry.Sender == 0)
        {
            throw new ArgumentException("an inbox append needs a receiver or a sender", nameof(entry));
        }

        lock (_lock)
        {
            if (entry.Serial != 0)
            {
                var receiverEarlier = Earlier(entry.Receiver, entry);
                var senderEarlier = Earlier(entry.Sender, entry);
                if (receiverEarlier != 0 || senderEarlier != 0)
                {
                    return Task.FromResult(new InboxAppendResult(false, receiverEarlier, senderEarlier));
                }
            }

            var messageId = ++_lastMessageId;
            _messages[messageId] = (entry.Cmd, entry.Body);
            var result = new InboxAppendResult(true, AddRow(entry.Receiver, entry, messageId), AddRow(entry.Sender, entry, messageId));
            return Task.FromResult(result);
        }
    }

    private ulong Earlier(ulong owner, InboxAppend entry) =>
        owner != 0 && _bySerial.TryGetValue((LogKind.Inbox, owner, entry.Orig, entry.Serial), out var earlier) ? earlier.Seq : 0;

    private ulong AddRow(ulong owner, InboxAppend entry, long messageId)
    {
        if (owner == 0)
        {
            return 0;
        }

        var inbox = LogOf(LogKind.Inbox, owner);
        var seq = (ulong)inbox.Count + 1;
        inbox.Add((seq, messageId));
        if (entry.Serial != 0)
        {
            _bySerial[(LogKind.Inbox, owner, entry.Orig, entry.Serial)] = (seq, messageId);
        }

        return seq;
    }

    public Task<IReadOnlyList<LogEntry>> ReadAsync(LogKind kind, ulong owner, ulong afterSeq, int max, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var inbox = LogOf(kind, owner);
            // Seqs are dense from 1, so the entry with seq s sits at index s - 1.
            var start = (int)Math.Min(afterSeq, (ulong)inbox.Count);
            var page = inbox.Skip(start).Take(max)
                .Select(e => new LogEntry(e.Seq, _messages[e.MessageId].Cmd, _messages[e.MessageId].Body))
                .ToList();
            return Task.FromResult<IReadOnlyList<LogEntry>>(page);
        }
    }

    public Task<ulong> GetHeadAsync(LogKind kind, ulong owner, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var inbox = LogOf(kind, owner);
            return Task.FromResult(inbox.Count == 0 ? 0 : inbox[^1].Seq);
        }
    }

    private List<(ulong Seq, long MessageId)> LogOf(LogKind kind, ulong owner)
    {
        if (!_logs.TryGetValue((kind, owner), out var log))
        {
            log = [];
            _logs[(kind, owner)] = log;
        }

        return log;
    }
}
