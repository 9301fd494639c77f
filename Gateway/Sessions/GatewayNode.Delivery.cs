using System.Collections.Concurrent;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Sessions;

/// <summary>The push path: frames from grains written to this node's connections, by connection, user or room.</summary>
public sealed partial class GatewayNode
{
    public Task DeliverToAll(byte[] frame)
    {
        var shared = OutboundFrame.Shared(frame);
        foreach (var connection in _connections.Values)
        {
            if (connection.Session is not null)
            {
                connection.Post(shared);
            }
        }

        return Task.CompletedTask;
    }

    public Task Deliver(byte[] frame, long[] connectionIds, uint pushClass, PushOrder order)
    {
        _pushes.Accept(order, (this, frame, connectionIds, pushClass), static s => s.Item1.DeliverNow(s.frame, s.connectionIds, s.pushClass));
        return Task.CompletedTask;
    }

    private void DeliverNow(byte[] frame, long[] connectionIds, uint pushClass)
    {
        var shared = OutboundFrame.Shared(frame);
        foreach (var id in connectionIds)
        {
            if (_connections.TryGetValue(id, out var connection) && (pushClass == 0 || connection.IsSubscribed(pushClass)))
            {
                connection.Post(shared);
            }
        }
    }

    public Task DeliverToUsers(byte[] frame, ulong[] uids, long exceptConnectionId, PushOrder order)
    {
        _pushes.Accept(order, (this, frame, uids, exceptConnectionId), static s => s.Item1.DeliverToUsersNow(s.frame, s.uids, s.exceptConnectionId));
        return Task.CompletedTask;
    }

    private void DeliverToUsersNow(byte[] frame, ulong[] uids, long exceptConnectionId)
    {
        var shared = OutboundFrame.Shared(frame);
        foreach (var uid in uids)
        {
            if (_byUser.TryGetValue(uid, out var sessions))
            {
                foreach (var connection in sessions)
                {
                    if (connection.Id != exceptConnectionId)
                    {
                        connection.Post(shared);
                    }
                }
            }
        }
    }

    public void JoinRoomLocally(ulong rid, ImConnection connection, uint bucket)
    {
        connection.Rooms[rid] = bucket;
        _rooms.GetOrAdd(rid, _ => new())[connection.Id] = (connection, bucket);
    }

    public void LeaveRoomLocally(ulong rid, ImConnection connection)
    {
        if (connection.HasRooms)
        {
            connection.Rooms.TryRemove(rid, out _);
        }

        if (_rooms.TryGetValue(rid, out var members))
        {
            members.TryRemove(connection.Id, out _);
            if (members.IsEmpty)
            {
                _rooms.TryRemove(new KeyValuePair<ulong, ConcurrentDictionary<long, (ImConnection, uint)>>(rid, members));
            }
        }
    }

    public Task DeliverToRoom(ulong rid, uint bucket, byte[] frame, long exceptConnectionId, uint pushClass, PushOrder order)
    {
        _pushes.Accept(order, (this, rid, bucket, frame, exceptConnectionId, pushClass),
            static s => s.Item1.DeliverToRoomNow(s.rid, s.bucket, s.frame, s.exceptConnectionId, s.pushClass));
        return Task.CompletedTask;
    }

    private void DeliverToRoomNow(ulong rid, uint bucket, byte[] frame, long exceptConnectionId, uint pushClass)
    {
        if (_rooms.TryGetValue(rid, out var members))
        {
            var shared = OutboundFrame.Shared(frame);
            foreach (var (id, (connection, inBucket)) in members)
            {
                if (id != exceptConnectionId && (bucket == 0 || bucket == inBucket) && (pushClass == 0 || connection.IsSubscribed(pushClass)))
                {
                    connection.Post(shared);
                }
            }
        }
    }

    public Task RemoveFromRoom(ulong rid, long[] connectionIds, byte[] frame, PushOrder order)
    {
        _pushes.Accept(order, (this, rid, connectionIds, frame), static s => s.Item1.RemoveFromRoomNow(s.rid, s.connectionIds, s.frame));
        return Task.CompletedTask;
    }

    private void RemoveFromRoomNow(ulong rid, long[] connectionIds, byte[] frame)
    {
        var shared = OutboundFrame.Shared(frame);
        foreach (var id in connectionIds)
        {
            if (_connections.TryGetValue(id, out var connection))
            {
                LeaveRoomLocally(rid, connection);
                connection.Post(shared);
            }
        }
    }

    public Task<ulong[]> FindLocalUsers(ulong[] uids) =>
        Task.FromResult(uids.Where(_byUser.ContainsKey).ToArray());
}
