namespace OrleansIm.Grains.Events;

/// <summary>
/// The events to record with a message, in the same commit as the message: <see cref="Offline"/> (its receiver, or
/// the members in <see cref="Payload"/>, had no online session) and <see cref="Stored"/> (archiving). They attach to
/// the receiver's row of an inbox append (the sender's when the receiver keeps nothing) or to a group-log append;
/// a repeated (orig, serial) stores nothing and records nothing.
/// </summary>
/// <param name="Payload">JSON with the event's own fields: <c>{"read_seq":n}</c> for a private message (the
/// receiver's read position in that conversation, for the unread count), <c>{"uids":[…]}</c> for a group message.</param>
/// <param name="ReadSeq">For a private message, the same read position as in the payload.</param>
public sealed record MessageEvents(bool Offline, bool Stored, string? Payload, ulong ReadSeq = 0)
{
    /// <summary>The outbox kinds as a bit set: bit (kind - 1).</summary>
    public int Flags => (Offline ? 1 << (EventKinds.MessageOffline - 1) : 0) | (Stored ? 1 << (EventKinds.MessageStored - 1) : 0);
}
