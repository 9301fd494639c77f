namespace OrleansIm.Grains.Interfaces;

/// <summary>What a login learns from its user grain: the highest inbox seq, and how many sessions are live now.</summary>
[GenerateSerializer, Immutable, Alias("im.OnlineResult")]
public sealed record OnlineResult(
    [property: Id(0)] ulong InboxSeq,
    [property: Id(1)] int SessionCount);
