namespace OrleansIm.Grains.Interfaces;

/// <summary>A group's public facts for GROUP-INFO (<see cref="Created"/> in ms since the epoch; <see cref="Role"/> "" for a non-member).</summary>
[GenerateSerializer, Immutable, Alias("im.GroupInfoResult")]
public sealed record GroupInfoResult(
    [property: Id(0)] uint Code,
    [property: Id(1)] string Name,
    [property: Id(2)] string Desc,
    [property: Id(3)] ulong Owner,
    [property: Id(4)] uint Members,
    [property: Id(5)] ulong Created,
    [property: Id(6)] string Role,
    [property: Id(7)] ulong Head);
