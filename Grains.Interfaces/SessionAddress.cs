namespace OrleansIm.Grains.Interfaces;

/// <summary>Where a live session is: the gateway node id, the node's connection id, and the node's observer.</summary>
[GenerateSerializer, Immutable, Alias("im.SessionAddress")]
public sealed record SessionAddress(
    [property: Id(0)] uint Nid,
    [property: Id(1)] long ConnectionId,
    [property: Id(2)] IGatewayNode Node);
