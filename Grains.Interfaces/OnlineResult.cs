namespace OrleansIm.Grains.Interfaces;

/// <summary>What a login learns from its user grain: the highest inbox seq, for ONLINE-ACK.</summary>
[GenerateSerializer, Immutable, Alias("im.OnlineResult")]
public sealed record OnlineResult(
    [property: Id(0)] ulong InboxSeq);
