namespace OrleansIm.Grains.Events;

/// <summary>
/// Where webhook events wait until the receiver accepted them. Message events are recorded by the message store with
/// the message (<see cref="MessageEvents"/>); the others through <see cref="AddAsync"/>. One process of the cluster at
/// a time posts them, through its <see cref="IOutboxLease"/>: oldest first, removing only what was accepted, so
/// every recorded event is posted at least once, and one user's events in the order they were recorded.
/// </summary>
public interface IEventOutbox
{
    /// <summary>Whether events are kept across a crash (PostgreSQL) or only in this process.</summary>
    bool Durable { get; }

    /// <summary>Records an event that is not a message's (a session, a contact, a group member).</summary>
    Task AddAsync(int kind, string payload, CancellationToken cancellationToken = default);

    /// <summary>How many events are waiting (a large backlog may be estimated from the range of its ids).</summary>
    Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Becomes the one poster of the cluster until the returned lease is disposed or fails (or this process ends);
    /// null when another process holds it now.
    /// </summary>
    Task<IOutboxLease?> TryLeadAsync(CancellationToken cancellationToken = default);
}

/// <summary>The right to post the outbox's events, held by one process at a time.</summary>
public interface IOutboxLease : IAsyncDisposable
{
    /// <summary>Up to <paramref name="max"/> of the oldest events, oldest first.</summary>
    Task<IReadOnlyList<OutboxItem>> ReadAsync(int max, CancellationToken cancellationToken = default);

    /// <summary>Forgets events the receiver accepted.</summary>
    Task RemoveAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken = default);
}
