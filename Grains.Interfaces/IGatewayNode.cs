using Orleans.Concurrency;

namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// One gateway node (one per silo process), registered as a grain observer. Grains push to a node, and the node
/// writes to its local connections: the only push path from grains to clients.
/// </summary>
[Alias("im.IGatewayNode")]
public interface IGatewayNode : IGrainObserver
{
    /// <summary>Sends KICK with <paramref name="code"/> to one local connection and closes it.</summary>
    [OneWay]
    [Alias("Kick")]
    Task Kick(long connectionId, uint code);

    /// <summary>
    /// Writes one encoded frame (header included; the node sets sid and nid per connection) to the listed local
    /// connections. <paramref name="pushClass"/> non-zero limits it to connections subscribed to that class.
    /// Delivered in <paramref name="order"/> among the calling grain's pushes to this node.
    /// </summary>
    [OneWay]
    [Alias("Deliver.v2")]
    Task Deliver([Immutable] byte[] frame, [Immutable] long[] connectionIds, uint pushClass, PushOrder order);

    /// <summary>
    /// Writes one encoded frame to every local session of the listed users, except connection
    /// <paramref name="exceptConnectionId"/> (0 = none): a group message costs one call per node. A non-zero
    /// <paramref name="pushClass"/> limits it to sessions subscribed to that class. Delivered in
    /// <paramref name="order"/> among the calling grain's pushes to this node.
    /// </summary>
    [OneWay]
    [Alias("DeliverToUsers.v2")]
    Task DeliverToUsers([Immutable] byte[] frame, [Immutable] ulong[] uids, long exceptConnectionId, uint pushClass, PushOrder order);

    /// <summary>Which of <paramref name="uids"/> have a live session on this node.</summary>
    [Alias("FindLocalUsers")]
    Task<ulong[]> FindLocalUsers(ulong[] uids);

    /// <summary>
    /// Writes one encoded frame to this node's sessions in room <paramref name="rid"/> (only bucket
    /// <paramref name="bucket"/>, or all with 0), except <paramref name="exceptConnectionId"/>; a non-zero
    /// <paramref name="pushClass"/> limits it to sessions subscribed to that class. Delivered in
    /// <paramref name="order"/> among the calling grain's pushes to this node.
    /// </summary>
    [OneWay]
    [Alias("DeliverToRoom.v2")]
    Task DeliverToRoom(ulong rid, uint bucket, [Immutable] byte[] frame, long exceptConnectionId, uint pushClass, PushOrder order);

    /// <summary>
    /// Writes <paramref name="frame"/> to the listed connections and takes them out of room <paramref name="rid"/>, in
    /// <paramref name="order"/> among the calling grain's pushes to this node.
    /// </summary>
    [OneWay]
    [Alias("RemoveFromRoom.v2")]
    Task RemoveFromRoom(ulong rid, [Immutable] long[] connectionIds, [Immutable] byte[] frame, PushOrder order);

    /// <summary>Writes one encoded frame to every logged-in session of this node (BC).</summary>
    [OneWay]
    [Alias("DeliverToAll")]
    Task DeliverToAll([Immutable] byte[] frame);

    /// <summary>
    /// The lowest index of connection <paramref name="connectionId"/>'s ordered requests still running (every lower one
    /// finished); <see cref="ulong.MaxValue"/> when the connection is gone. Asked by a grain holding a request whose
    /// predecessor has not arrived (<see cref="CallOrder"/>).
    /// </summary>
    [Alias("GetStreamFloor")]
    Task<ulong> GetStreamFloor(long connectionId);

    /// <summary>Connections, logged-in sessions and distinct users on this node now.</summary>
    [Alias("GetStats")]
    Task<NodeStats> GetStats();
}
