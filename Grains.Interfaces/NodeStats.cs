namespace OrleansIm.Grains.Interfaces;

/// <summary>A gateway node's load: open connections, logged-in sessions, and distinct users among them.</summary>
[GenerateSerializer, Immutable, Alias("im.NodeStats")]
public sealed record NodeStats(
    [property: Id(0)] uint Nid,
    [property: Id(1)] int Connections,
    [property: Id(2)] int Sessions,
    [property: Id(3)] int Users);
