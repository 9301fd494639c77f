namespace OrleansIm.Grains.Interfaces;

/// <summary>GROUP-USR-LIST: the code, the page as the protocol's JSON array, and how many members there are.</summary>
[GenerateSerializer, Immutable, Alias("im.GroupMemberPage")]
public sealed record GroupMemberPage(
    [property: Id(0)] uint Code,
    [property: Id(1)] string Json,
    [property: Id(2)] uint Total);
