namespace OrleansIm.Grains.Directories;

/// <summary>Persisted owner of a device id; 0 while unowned.</summary>
[GenerateSerializer, Alias("im.SidState")]
public sealed class SidState
{
    [Id(0)]
    public ulong OwnerUid { get; set; }
}
