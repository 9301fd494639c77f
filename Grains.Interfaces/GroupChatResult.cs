namespace OrleansIm.Grains.Interfaces;

/// <summary>The answer to GROUP-CHAT: the reply code and, on success, the message's seq in the group log.</summary>
[GenerateSerializer, Immutable, Alias("im.GroupChatResult")]
public sealed record GroupChatResult(
    [property: Id(0)] uint Code,
    [property: Id(1)] ulong Seq);
