namespace OrleansIm.Grains.Interfaces;

/// <summary>A gateway node: its id, its observer, and the silo it runs in.</summary>
[GenerateSerializer, Immutable, Alias("im.NodeRef")]
public sealed record NodeRef(
    [property: Id(0)] uint Nid,
    [property: Id(1)] IGatewayNode Node,
    [property: Id(2)] SiloAddress Silo);
