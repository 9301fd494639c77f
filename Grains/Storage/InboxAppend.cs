namespace OrleansIm.Grains.Storage;

/// <summary>
/// One message for up to two inboxes, stored in one commit: the body once, a row in <see cref="Receiver"/>'s inbox
/// and one in <see cref="Sender"/>'s (0 = none; at least one is set). Each row gets the next seq of its inbox,
/// assigned by the store as it commits. A non-zero <see cref="Serial"/> makes (inbox, orig, serial) unique:
/// appending it again stores nothing and answers the seqs of the earlier rows.
/// </summary>
/// <remarks>
/// A private message names its receiver in <see cref="Dest"/>: its rows are then part of the conversation between
/// <see cref="Orig"/> and <see cref="Dest"/> (the receiver's row has peer <see cref="Orig"/>, the sender's peer
/// <see cref="Dest"/>, and each knows the other's seq), also when only one of them is stored (a gagged sender).
/// </remarks>
/// <remarks>
/// <see cref="Events"/> are the message's webhook events, recorded in the same commit (on the receiver's row, or the
/// sender's when there is no receiver's); a repeat records none.
/// </remarks>
public sealed record InboxAppend(uint Cmd, ulong Orig, ulong Serial, byte[] Body, ulong Receiver, ulong Sender = 0, ulong Dest = 0, Events.MessageEvents? Events = null);
