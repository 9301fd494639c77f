namespace OrleansIm.Grains.Interfaces;

/// <summary>The id kinds the allocator serves, and where each starts.</summary>
public static class IdKinds
{
    public const string Sid = "sid";
    public const string Gid = "gid";
    public const string Rid = "rid";
    public const string Nid = "nid";

    /// <summary>
    /// Server-allocated sids start at 2^32 so that they stay clear of the small device ids clients pick themselves;
    /// other kinds start at 1.
    /// </summary>
    public static ulong FirstId(string kind) => kind == Sid ? 1UL << 32 : 1UL;
}
