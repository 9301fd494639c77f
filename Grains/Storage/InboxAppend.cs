namespace OrleansIm.Grains.Storage;

/// <summary>
/// One entry to append to a user's inbox at <see cref="Seq"/>. With <see cref="MessageId"/> 0 the body is stored as
/// a new message; otherwise the entry points at that stored message (a body is stored once, however many inboxes
/// hold it). A non-zero <see cref="Serial"/> makes (uid, orig, serial) unique: appending it again is a no-op.
/// </summary>
public sealed record InboxAppend(ulong Uid, ulong Seq, uint Cmd, ulong Orig, ulong Serial, byte[] Body, long MessageId = 0);
