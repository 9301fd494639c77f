namespace OrleansIm.Grains.Interfaces;

/// <summary>One FRWD-INFO: the forwarder's address and ports.</summary>
[GenerateSerializer, Immutable, Alias("im.NodeForward")]
public sealed record NodeForward(
    [property: Id(0)] string Address,
    [property: Id(1)] uint ForwardPort,
    [property: Id(2)] uint BackendPort);
