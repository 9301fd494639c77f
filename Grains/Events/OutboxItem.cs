using OrleansIm.Grains.Storage;

namespace OrleansIm.Grains.Events;

/// <summary>
/// One recorded event as the outbox hands it to be posted. Message events name their log entry and carry what the
/// store holds of it (null when it is gone: trimmed or erased); <see cref="Unread"/> is, for a private
/// message.offline, the receiver's unread messages in that conversation up to this one.
/// </summary>
public sealed record OutboxItem(
    long Id,
    int Kind,
    LogKind? Log,
    ulong Owner,
    ulong Seq,
    string? Payload,
    DateTimeOffset Created,
    StoredEntry? Message,
    long? Unread);
