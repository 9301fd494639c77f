namespace OrleansIm.Grains.Interfaces;

/// <summary>A live session of a user: its device id (sid), where it is connected, and its terminal kind (0..3).</summary>
[GenerateSerializer, Immutable, Alias("im.SessionInfo")]
public sealed record SessionInfo(
    [property: Id(0)] ulong Sid,
    [property: Id(1)] SessionAddress Address,
    [property: Id(2)] uint Terminal);
