using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Storage;

namespace OrleansIm.Grains.Events;

/// <summary>
/// The embedded mode's outbox: events in process memory, posted from here and lost if the process ends before they
/// are. The in-memory message store records a message's events under the lock that stores the message.
/// </summary>
public sealed class MemoryEventOutbox([Microsoft.Extensions.DependencyInjection.FromKeyedServices(ImClock.Key)] TimeProvider time) : IEventOutbox
{
    private readonly Lock _lock = new();
    private readonly LinkedList<OutboxItem> _items = new();
    private readonly SemaphoreSlim _lead = new(1, 1);
    private long _lastId;

    public bool Durable => false;

    /// <summary>Records a message's event; <paramref name="message"/> is the entry as just stored.</summary>
    internal void AddMessage(int kind, LogKind log, ulong owner, ulong seq, string? payload, StoredEntry message, long? unread) =>
        Add(id => new OutboxItem(id, kind, log, owner, seq, payload, time.GetUtcNow(), message, unread));

    public Task AddAsync(int kind, string payload, CancellationToken cancellationToken = default)
    {
        Add(id => new OutboxItem(id, kind, null, 0, 0, payload, time.GetUtcNow(), null, null));
        return Task.CompletedTask;
    }

    public Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult((long)_items.Count);
        }
    }

    public async Task<IOutboxLease?> TryLeadAsync(CancellationToken cancellationToken = default) =>
        await _lead.WaitAsync(0, cancellationToken) ? new Lease(this) : null;

    private void Add(Func<long, OutboxItem> item)
    {
        lock (_lock)
        {
            _items.AddLast(item(++_lastId));
        }
    }

    private sealed class Lease(MemoryEventOutbox outbox) : IOutboxLease
    {
        private int _disposed;

        public Task<IReadOnlyList<OutboxItem>> ReadAsync(int max, CancellationToken cancellationToken = default)
        {
            lock (outbox._lock)
            {
                return Task.FromResult<IReadOnlyList<OutboxItem>>([.. outbox._items.Take(max)]);
            }
        }

        public Task RemoveAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken = default)
        {
            var accepted = ids.ToHashSet();
            lock (outbox._lock)
            {
                for (var node = outbox._items.First; node is not null && accepted.Count > 0;)
                {
                    var next = node.Next;
                    if (accepted.Remove(node.Value.Id))
                    {
                        outbox._items.Remove(node);
                    }

                    node = next;
                }
            }

            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                outbox._lead.Release();
            }

            return ValueTask.CompletedTask;
        }
    }
}
