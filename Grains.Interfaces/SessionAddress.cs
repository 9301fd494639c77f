namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// Where a live session is: the gateway node id, the node's connection id, the node's observer, and the silo
/// hosting that node (so that grains can drop the sessions of a silo the cluster declared dead).
/// </summary>
[GenerateSerializer, Immutable, Alias("im.SessionAddress")]
public sealed record SessionAddress(
    [property: Id(0)] uint Nid,
    [property: Id(1)] long ConnectionId,
    [property: Id(2)] IGatewayNode Node,
    [property: Id(3)] SiloAddress Silo);
