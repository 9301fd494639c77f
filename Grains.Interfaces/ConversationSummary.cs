namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// One conversation as CONVERSATIONS lists it: <see cref="Kind"/> 1 private (<see cref="Id"/> the peer) or 2 group
/// (<see cref="Id"/> the gid, with its name and the user's role), its latest message (seq, sender, when it was stored
/// in ms since the epoch, the first characters), the user's read position and the messages from others after it, and
/// in a private conversation how far the peer has read this user's messages (<see cref="PeerReadSeq"/>, a seq of this
/// user's inbox; 0 when unknown or the peer's receipts are off).
/// </summary>
[GenerateSerializer, Immutable, Alias("im.ConversationSummary")]
public sealed record ConversationSummary(
    [property: Id(0)] uint Kind,
    [property: Id(1)] ulong Id,
    [property: Id(2)] string Name,
    [property: Id(3)] string Role,
    [property: Id(4)] ulong LastSeq,
    [property: Id(5)] ulong LastSender,
    [property: Id(6)] ulong LastTime,
    [property: Id(7)] string Preview,
    [property: Id(8)] ulong ReadSeq,
    [property: Id(9)] uint Unread,
    [property: Id(10)] ulong PeerReadSeq = 0);

/// <summary>A page of a user's conversations, most recent first, and how many there are in all.</summary>
[GenerateSerializer, Immutable, Alias("im.ConversationPage")]
public sealed record ConversationPage(
    [property: Id(0)] IReadOnlyList<ConversationSummary> Conversations,
    [property: Id(1)] uint Total);
