namespace OrleansIm.Grains.Interfaces;

/// <summary>One LSND-INFO: listener type (1 TCP, 2 WS), nation, carrier, address and port.</summary>
[GenerateSerializer, Immutable, Alias("im.NodeListener")]
public sealed record NodeListener(
    [property: Id(0)] uint Type,
    [property: Id(1)] string Nation,
    [property: Id(2)] string Carrier,
    [property: Id(3)] string Address,
    [property: Id(4)] uint Port);
