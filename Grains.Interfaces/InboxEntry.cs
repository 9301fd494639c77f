namespace OrleansIm.Grains.Interfaces;

/// <summary>One entry of a user's inbox: its seq (1, 2, 3 … per user), the command id and the encoded body.</summary>
[GenerateSerializer, Immutable, Alias("im.InboxEntry")]
public sealed record InboxEntry(
    [property: Id(0)] ulong Seq,
    [property: Id(1)] uint Cmd,
    [property: Id(2)] byte[] Body);
