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
