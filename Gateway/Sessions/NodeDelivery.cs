using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// The push path: frames from grains written to this node's connections, by connection, user or room. A frame is
/// wrapped once and posted to each connection's bounded queue; nothing here waits on a client. Pushes from grains
/// in other silos go through the <see cref="PushSequencer"/> so each grain's pushes keep their order.
/// </summary>
public sealed class NodeDelivery(ConnectionRegistry registry, PushSequencer pushes)
{
    /// <summary>Gives up missing pushes that waited too long and forgets quiet push runs (called by the sweep).</summary>
    public void Sweep() => pushes.Sweep();

    public void DeliverToAll(byte[] frame)
    {
        var shared = OutboundFrame.Shared(frame);
        foreach (var connection in registry.All)
        {
            if (connection.Session is not null)
            {
                connection.Post(shared);
            }
        }
    }

    public void Deliver(byte[] frame, long[] connectionIds, uint pushClass, PushOrder order) =>
        pushes.Accept(order, (this, frame, connectionIds, pushClass), static s => s.Item1.DeliverNow(s.frame, s.connectionIds, s.pushClass));

    public void DeliverToUsers(byte[] frame, ulong[] uids, long exceptConnectionId, uint pushClass, PushOrder order) =>
        pushes.Accept(order, (this, frame, uids, exceptConnectionId, pushClass), static s => s.Item1.DeliverToUsersNow(s.frame, s.uids, s.exceptConnectionId, s.pushClass));

    public void DeliverToRoom(ulong rid, uint bucket, byte[] frame, long exceptConnectionId, uint pushClass, PushOrder order) =>
        pushes.Accept(order, (this, rid, bucket, frame, exceptConnectionId, pushClass),
            static s => s.Item1.DeliverToRoomNow(s.rid, s.bucket, s.frame, s.exceptConnectionId, s.pushClass));

    public void RemoveFromRoom(ulong rid, long[] connectionIds, byte[] frame, PushOrder order) =>
        pushes.Accept(order, (this, rid, connectionIds, frame), static s => s.Item1.RemoveFromRoomNow(s.rid, s.connectionIds, s.frame));

    private void DeliverNow(byte[] frame, long[] connectionIds, uint pushClass)
    {
        var shared = OutboundFrame.Shared(frame);
        foreach (var id in connectionIds)
        {
            if (registry.TryGet(id, out var connection) && (pushClass == 0 || connection.Session?.IsSubscribed(pushClass) == true))
            {
                connection.Post(shared);
            }
        }
    }

    private void DeliverToUsersNow(byte[] frame, ulong[] uids, long exceptConnectionId, uint pushClass)
    {
        var shared = OutboundFrame.Shared(frame);
        foreach (var uid in uids)
        {
            if (registry.SessionsOf(uid) is { } sessions)
            {
                foreach (var connection in sessions)
                {
                    if (connection.Id != exceptConnectionId && (pushClass == 0 || connection.Session?.IsSubscribed(pushClass) == true))
                    {
                        connection.Post(shared);
                    }
                }
            }
        }
    }

    private void DeliverToRoomNow(ulong rid, uint bucket, byte[] frame, long exceptConnectionId, uint pushClass)
    {
        if (registry.RoomMembers(rid) is not { } members)
        {
            return;
        }

        var shared = OutboundFrame.Shared(frame);
        foreach (var (id, (connection, inBucket)) in members)
        {
            if (id != exceptConnectionId && (bucket == 0 || bucket == inBucket) && (pushClass == 0 || connection.Session?.IsSubscribed(pushClass) == true))
            {
                connection.Post(shared);
            }
        }
    }

    private void RemoveFromRoomNow(ulong rid, long[] connectionIds, byte[] frame)
    {
        var shared = OutboundFrame.Shared(frame);
        foreach (var id in connectionIds)
        {
            if (registry.TryGet(id, out var connection))
            {
                registry.LeaveRoom(rid, connection);
                connection.Post(shared);
            }
        }
    }
}
