namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// Hands out ids of one kind (key: the kind, e.g. "sid", "gid", "rid", "nid"), never the same twice, also across
/// restarts in PostgreSQL mode. Ids are reserved in persisted blocks, so a restart may skip some.
/// </summary>
[Alias("im.IIdAllocatorGrain")]
public interface IIdAllocatorGrain : IGrainWithStringKey
{
    /// <summary>The next id; the first one is <see cref="IdKinds.FirstId"/> of the kind.</summary>
    [Alias("Next")]
    Task<ulong> Next();
}
