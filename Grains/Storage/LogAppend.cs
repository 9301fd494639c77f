namespace OrleansIm.Grains.Storage;

/// <summary>
/// One entry to append to a log (<see cref="Kind"/> of <see cref="Owner"/>: a uid or a gid) at <see cref="Seq"/>.
/// With <see cref="MessageId"/> 0 the body is stored as a new message; otherwise the entry points at that stored
/// message (a body is stored once, however many logs hold it). A non-zero <see cref="Serial"/> makes
/// (owner, orig, serial) unique: appending it again is a no-op.
/// </summary>
public sealed record LogAppend(LogKind Kind, ulong Owner, ulong Seq, uint Cmd, ulong Orig, ulong Serial, byte[] Body, long MessageId = 0);
