namespace OrleansIm.Grains.Interfaces;

/// <summary>A room's facts for ROOM-INFO: name, description, owner and the sessions in it now.</summary>
[GenerateSerializer, Immutable, Alias("im.RoomInfoResult")]
public sealed record RoomInfoResult(
    [property: Id(0)] uint Code,
    [property: Id(1)] string Name,
    [property: Id(2)] string Desc,
    [property: Id(3)] ulong Owner,
    [property: Id(4)] uint Sessions);
