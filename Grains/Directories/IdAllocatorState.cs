namespace OrleansIm.Grains.Directories;

/// <summary>Persisted high-water mark: every id below <see cref="ReservedUntil"/> may have been handed out.</summary>
[GenerateSerializer, Alias("im.IdAllocatorState")]
public sealed class IdAllocatorState
{
    [Id(0)]
    public ulong ReservedUntil { get; set; }
}
