namespace OrleansIm.Grains.Storage;

/// <summary>
/// One entry to append to a group log (<see cref="Kind"/> of <see cref="Owner"/>, a gid) at the log's next seq; its
/// body is stored as a new message. A non-zero <see cref="Serial"/> makes (owner, orig, serial) unique: appending it
/// again is a no-op that takes no seq. Inboxes take <see cref="InboxAppend"/>.
/// </summary>
/// <remarks><see cref="Events"/> are its webhook events, recorded in the same commit; a repeat records none.</remarks>
public sealed record LogAppend(LogKind Kind, ulong Owner, uint Cmd, ulong Orig, ulong Serial, byte[] Body, Events.MessageEvents? Events = null);
