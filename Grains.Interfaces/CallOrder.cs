namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// Where a pipelined request stands among the requests of its connection, so the target grain can start them in
/// the order they were sent however the runtime delivers them (see docs/protocol.md, "Ordering").
/// </summary>
/// <remarks>
/// A gateway numbers the requests of one connection that it issues back to back (CHAT, GROUP-CHAT, ROOM-CHAT) with
/// <see cref="Index"/> 1, 2, 3 …. <see cref="After"/> is the index of the request of the same lane (the same target)
/// that was still running when this one was issued: the target starts this one only after that one, or once the
/// gateway says it finished. <see cref="Floor"/> is the lowest index of the connection still running then: every
/// request below it has finished. <see cref="None"/> is a call without a place in any order.
/// </remarks>
[GenerateSerializer, Immutable, Alias("im.CallOrder")]
public readonly record struct CallOrder(
    [property: Id(0)] uint Nid,
    [property: Id(1)] long Connection,
    [property: Id(2)] ulong Index,
    [property: Id(3)] ulong After,
    [property: Id(4)] ulong Floor)
{
    /// <summary>A call that starts at once and orders nothing after it (admin API, tests, internal calls).</summary>
    public static readonly CallOrder None = default;
}
