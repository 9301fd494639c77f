namespace OrleansIm.Grains.Interfaces;

/// <summary>Whether a user has a live session now, the terminal of one, and when the last one ended (ms since the epoch, 0 = never).</summary>
[GenerateSerializer, Immutable, Alias("im.PresenceInfo")]
public sealed record PresenceInfo(
    [property: Id(0)] bool Online,
    [property: Id(1)] uint Terminal,
    [property: Id(2)] ulong LastSeen);
