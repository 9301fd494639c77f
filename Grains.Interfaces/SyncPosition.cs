namespace OrleansIm.Grains.Interfaces;

/// <summary>Where a user's inbox stands: the highest seq and the stored delivery cursor (advanced by receiver ACKs).</summary>
[GenerateSerializer, Immutable, Alias("im.SyncPosition")]
public sealed record SyncPosition(
    [property: Id(0)] ulong Head,
    [property: Id(1)] ulong Cursor);
