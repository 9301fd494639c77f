namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// What the node directory knows of one node: its listeners (LSND-INFO), forwarding (FRWD-INFO), user count
/// (LSND-USR-NUM) and when it last reported.
/// </summary>
[GenerateSerializer, Immutable, Alias("im.NodeListing")]
public sealed record NodeListing(
    [property: Id(0)] uint Nid,
    [property: Id(1)] IReadOnlyList<NodeListener> Listeners,
    [property: Id(2)] NodeForward? Forward,
    [property: Id(3)] uint Users,
    [property: Id(4)] DateTimeOffset LastReport);
