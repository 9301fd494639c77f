using System.Collections.Concurrent;

namespace OrleansIm.Floor;

/// <summary>Who is logged in where: uid → connection (the last login of a uid wins).</summary>
public sealed class FloorRelay
{
    private readonly ConcurrentDictionary<ulong, FloorConnection> _users = new();
    private readonly ConcurrentDictionary<ulong, FloorRoom> _rooms = new();
    private long _lastRid;

    public ulong CreateRoom()
    {
        var rid = (ulong)Interlocked.Increment(ref _lastRid);
        _rooms[rid] = new FloorRoom();
        return rid;
    }

    public FloorRoom? Room(ulong rid) => _rooms.GetValueOrDefault(rid);

    public void Add(ulong uid, FloorConnection connection) => _users[uid] = connection;

    public void Remove(ulong uid, FloorConnection connection) => _users.TryRemove(new KeyValuePair<ulong, FloorConnection>(uid, connection));

    public FloorConnection? Find(ulong uid) => _users.GetValueOrDefault(uid);
}
