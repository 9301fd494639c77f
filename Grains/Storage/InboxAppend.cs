namespace OrleansIm.Grains.Storage;

/// <summary>
/// One message for up to two inboxes, stored in one commit: the body once, a row in <see cref="Receiver"/>'s inbox
/// and one in <see cref="Sender"/>'s (0 = none; at least one is set). Each row gets the next seq of its inbox,
/// assigned by the store as it commits. A non-zero <see cref="Serial"/> makes (inbox, orig, serial) unique:
/// appending it again stores nothing and answers the seqs of the earlier rows.
/// </summary>
public sealed record InboxAppend(uint Cmd, ulong Orig, ulong Serial, byte[] Body, ulong Receiver, ulong Sender = 0);
