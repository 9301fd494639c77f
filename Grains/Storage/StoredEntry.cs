namespace OrleansIm.Grains.Storage;

/// <summary>
/// An inbox or group-log row with what the store knows about it: its seq, command, the uid that made it
/// (<see cref="Orig"/>; 0 for group notices), for a private message the other party (<see cref="Peer"/>) and the
/// message's seq in that party's inbox (<see cref="PeerSeq"/>, 0 where unknown), the message id, when it was stored,
/// and the body as stored now (a recalled message's tombstone).
/// </summary>
public sealed record StoredEntry(ulong Seq, uint Cmd, ulong Orig, ulong Peer, ulong PeerSeq, long MessageId, DateTimeOffset Created, byte[] Body);
