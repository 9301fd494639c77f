namespace OrleansIm.Grains.Storage;

/// <summary>
/// The outcome of an append: <see cref="Inserted"/> false means (uid, orig, serial) was already there, and
/// <see cref="Seq"/> and <see cref="MessageId"/> are those of the earlier entry.
/// </summary>
public readonly record struct AppendResult(bool Inserted, ulong Seq, long MessageId);
