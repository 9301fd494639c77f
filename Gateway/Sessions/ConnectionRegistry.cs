using System.Collections.Concurrent;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// This node's connections, indexed by connection id, by logged-in user and by room: what the push path looks up.
/// Thread-safe; every index is updated without a lock.
/// </summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<long, ImConnection> _connections = new();

    // A user's connections here as a small array replaced on change: most users have one, and a concurrent
    // dictionary per user cost more than the rest of an idle session's gateway state.
    private readonly ConcurrentDictionary<ulong, ImConnection[]> _byUser = new();
    private readonly ConcurrentDictionary<ulong, ConcurrentDictionary<long, (ImConnection Connection, uint Bucket)>> _rooms = new();
    private long _lastConnectionId;

    public int Count => _connections.Count;

    public bool IsEmpty => _connections.IsEmpty;

    /// <summary>Every open connection (a moment's view).</summary>
    public ICollection<ImConnection> All => _connections.Values;

    /// <summary>Distinct users with a logged-in session here.</summary>
    public int UserCount => _byUser.Count;

    public int SessionCount => _connections.Values.Count(c => c.Session is not null);

    public long NextConnectionId() => Interlocked.Increment(ref _lastConnectionId);

    public void Add(ImConnection connection) => _connections[connection.Id] = connection;

    public bool TryGet(long connectionId, out ImConnection connection) => _connections.TryGetValue(connectionId, out connection!);

    /// <summary>Forgets a closed connection: its id, its user index entry and its rooms here.</summary>
    public void Remove(ImConnection connection)
    {
        _connections.TryRemove(connection.Id, out _);
        if (connection.Session is not { } session)
        {
            return;
        }

        if (session.HasRooms)
        {
            foreach (var rid in session.Rooms.Keys)
            {
                LeaveRoom(rid, connection);
            }
        }

        Unindex(session.Uid, connection);
    }

    /// <summary>Indexes a logged-in connection by its uid, for deliveries addressed to users.</summary>
    public void IndexSession(ImConnection connection) =>
        _byUser.AddOrUpdate(connection.Session!.Uid, static (_, c) => [c], static (_, existing, c) => [.. existing, c], connection);

    /// <summary>The connections of <paramref name="uid"/> here, or null.</summary>
    public ImConnection[]? SessionsOf(ulong uid) => _byUser.TryGetValue(uid, out var sessions) ? sessions : null;

    public bool HasUser(ulong uid) => _byUser.ContainsKey(uid);

    public void JoinRoom(ulong rid, ImConnection connection, uint bucket)
    {
        connection.Session!.Rooms[rid] = bucket;
        _rooms.GetOrAdd(rid, _ => new())[connection.Id] = (connection, bucket);
    }

    public void LeaveRoom(ulong rid, ImConnection connection)
    {
        if (connection.Session is { HasRooms: true } session)
        {
            session.Rooms.TryRemove(rid, out _);
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

    /// <summary>The sessions of room <paramref name="rid"/> here with their buckets, or null.</summary>
    public ConcurrentDictionary<long, (ImConnection Connection, uint Bucket)>? RoomMembers(ulong rid) =>
        _rooms.TryGetValue(rid, out var members) ? members : null;

    private void Unindex(ulong uid, ImConnection connection)
    {
        while (_byUser.TryGetValue(uid, out var existing))
        {
            var remaining = Array.FindAll(existing, c => c != connection);
            if (remaining.Length == existing.Length)
            {
                return;
            }

            if (remaining.Length == 0
                ? _byUser.TryRemove(new KeyValuePair<ulong, ImConnection[]>(uid, existing))
                : _byUser.TryUpdate(uid, remaining, existing))
            {
                return;
            }
        }
    }
}
