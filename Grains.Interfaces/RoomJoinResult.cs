namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// The answer to ROOM-JOIN: the code, the bucket (from 1) the session was put in, and the ROOM-BC frames still
/// within their expiry, to replay to the joiner.
/// </summary>
[GenerateSerializer, Immutable, Alias("im.RoomJoinResult")]
public sealed record RoomJoinResult(
    [property: Id(0)] uint Code,
    [property: Id(1)] uint Bucket,
    [property: Id(2)] byte[][] Broadcasts);
