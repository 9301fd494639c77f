namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// What a group tells one member for its conversation list: the group's name, the member's role ("" when not a
/// member), the group's latest message (seq, sender, when it was stored in ms since the epoch, first characters; 0s
/// when there is none) and the log's head.
/// </summary>
[GenerateSerializer, Immutable, Alias("im.GroupSummary")]
public sealed record GroupSummary(
    [property: Id(0)] string Name,
    [property: Id(1)] string Role,
    [property: Id(2)] ulong LastSeq,
    [property: Id(3)] ulong LastSender,
    [property: Id(4)] ulong LastTime,
    [property: Id(5)] string Preview,
    [property: Id(6)] ulong Head);
