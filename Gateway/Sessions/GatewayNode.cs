using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// This process's gateway node: its id, its local connections, and the grain observer through which grains push
/// to them. It also sweeps connections for handshake and heartbeat timeouts.
/// </summary>
public sealed partial class GatewayNode(
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<GatewayNode> logger) : IGatewayNode, IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<long, ImConnection> _connections = new();
    private readonly ConcurrentDictionary<ulong, ConcurrentDictionary<long, ImConnection>> _byUser = new();
    private readonly ConcurrentDictionary<ulong, ConcurrentDictionary<long, (ImConnection Connection, uint Bucket)>> _rooms = new();
    private readonly GatewayOptions _options = options.Value;
    private const int MaxReRegisterAttempts = 6;
    private long _lastConnectionId;
    private ITimer? _sweep;
    private ITimer? _report;
    private readonly CancellationTokenSource _stopping = new();
    private Task _watchingMembership = Task.CompletedTask;

    /// <summary>The node id carried in every server frame's <c>nid</c>.</summary>
    public uint Nid { get; private set; }

    /// <summary>The observer reference grains use to reach this node.</summary>
    public IGatewayNode Reference { get; private set; } = null!;

    /// <summary>True once the host is stopping: new logins are refused with 10002.</summary>
    public bool IsStopping { get; private set; }

    public int ConnectionCount => _connections.Count;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Nid = _options.NodeId != 0 ? _options.NodeId : checked((uint)await grains.GetGrain<IIdAllocatorGrain>(IdKinds.Nid).Next());
        Reference = grains.CreateObjectReference<IGatewayNode>(this);
        await RegisterInDirectoryAsync();
        _sweep = time.CreateTimer(_ => Sweep(), null, _options.SweepInterval, _options.SweepInterval);
        _watchingMembership = WatchMembershipAsync(_stopping.Token);
        await ReportAsync();
        _report = time.CreateTimer(_ => ReportAsync().Ignore(), null, _options.ReportInterval, _options.ReportInterval);
        LogStarted(logger, Nid);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        IsStopping = true;
        _sweep?.Dispose();
        _report?.Dispose();
        _stopping.Cancel();
        await _watchingMembership;
        foreach (var connection in _connections.Values)
        {
            connection.Close();
        }
    }

    public void Dispose()
    {
        _sweep?.Dispose();
        _report?.Dispose();
    }

    /// <summary>The same reports an external node sends (LSND-INFO per listener, LSND-USR-NUM), made for this node.</summary>
    private async Task ReportAsync()
    {
        try
        {
            var directory = grains.GetGrain<INodeDirectoryGrain>(0);
            var address = PublicAddress();
            await directory.ReportListener(Nid, new NodeListener(1, "", "", address, (uint)_options.TcpPort));
            await directory.ReportListener(Nid, new NodeListener(2, "", "", address, (uint)_options.HttpPort));
            await directory.ReportUsers(Nid, (uint)_connections.Values.Count(c => c.Session is not null));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next report tries again; until then the directory may drop this node.
            LogReportFailed(logger, ex, Nid);
        }
    }

    private string PublicAddress() =>
        _options.PublicAddress.Length > 0 ? _options.PublicAddress
        : _options.ListenAddress is "0.0.0.0" or "::" ? "127.0.0.1"
        : _options.ListenAddress;

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

    public Task<NodeStats> GetStats()
    {
        var sessions = _connections.Values.Count(c => c.Session is not null);
        return Task.FromResult(new NodeStats(Nid, _connections.Count, sessions, _byUser.Count));
    }

    public long NextConnectionId() => Interlocked.Increment(ref _lastConnectionId);

    public SessionAddress AddressOf(ImConnection connection) => new(Nid, connection.Id, Reference, silo.SiloAddress);

    public void Add(ImConnection connection) => _connections[connection.Id] = connection;

    /// <summary>Indexes a logged-in connection by its uid, for deliveries addressed to users.</summary>
    public void IndexSession(ImConnection connection) =>
        _byUser.GetOrAdd(connection.Session!.Uid, _ => new())[connection.Id] = connection;

    /// <summary>Forgets a closed connection and ends its session in the user grain.</summary>
    public async Task RemoveAsync(ImConnection connection)
    {
        _connections.TryRemove(connection.Id, out _);
        if (connection.Session is not { } session)
        {
            return;
        }

        foreach (var rid in connection.Rooms.Keys)
        {
            LeaveRoomLocally(rid, connection);
            grains.GetGrain<IRoomGrain>((long)rid).Leave(Nid, connection.Id).Ignore();
        }

        if (_byUser.TryGetValue(session.Uid, out var sessions))
        {
            sessions.TryRemove(connection.Id, out _);
            if (sessions.IsEmpty)
            {
                _byUser.TryRemove(new KeyValuePair<ulong, ConcurrentDictionary<long, ImConnection>>(session.Uid, sessions));
            }
        }

        try
        {
            await grains.GetGrain<IUserGrain>((long)session.Uid).Offline(session.Sid, Nid, connection.Id);
        }
        catch (Exception ex)
        {
            // The user grain's session table is memory only; a failed call leaves a stale entry that the next
            // login with this sid replaces. Nothing else depends on it.
            LogOfflineFailed(logger, ex, session.Uid, session.Sid);
        }
    }

    public Task Kick(long connectionId, uint code)
    {
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            connection.Kick(code);
        }

        return Task.CompletedTask;
    }

    public Task Deliver(byte[] frame, long[] connectionIds, uint pushClass)
    {
        var shared = OutboundFrame.Shared(frame);
        foreach (var id in connectionIds)
        {
            if (_connections.TryGetValue(id, out var connection) && (pushClass == 0 || connection.IsSubscribed(pushClass)))
            {
                connection.Post(shared);
            }
        }

        return Task.CompletedTask;
    }

    public Task DeliverToUsers(byte[] frame, ulong[] uids, long exceptConnectionId)
    {
        var shared = OutboundFrame.Shared(frame);
        foreach (var uid in uids)
        {
            if (_byUser.TryGetValue(uid, out var sessions))
            {
                foreach (var connection in sessions.Values)
                {
                    if (connection.Id != exceptConnectionId)
                    {
                        connection.Post(shared);
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    public void JoinRoomLocally(ulong rid, ImConnection connection, uint bucket)
    {
        connection.Rooms[rid] = bucket;
        _rooms.GetOrAdd(rid, _ => new())[connection.Id] = (connection, bucket);
    }

    public void LeaveRoomLocally(ulong rid, ImConnection connection)
    {
        connection.Rooms.TryRemove(rid, out _);
        if (_rooms.TryGetValue(rid, out var members))
        {
            members.TryRemove(connection.Id, out _);
            if (members.IsEmpty)
            {
                _rooms.TryRemove(new KeyValuePair<ulong, ConcurrentDictionary<long, (ImConnection, uint)>>(rid, members));
            }
        }
    }

    public Task DeliverToRoom(ulong rid, uint bucket, byte[] frame, long exceptConnectionId, uint pushClass)
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

        return Task.CompletedTask;
    }

    public Task RemoveFromRoom(ulong rid, long[] connectionIds, byte[] frame)
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

        return Task.CompletedTask;
    }

    public Task<ulong[]> FindLocalUsers(ulong[] uids) =>
        Task.FromResult(uids.Where(uid => _byUser.TryGetValue(uid, out var sessions) && !sessions.IsEmpty).ToArray());

    private Task RegisterInDirectoryAsync() =>
        grains.GetGrain<IGatewayDirectoryGrain>(0).Register(new NodeRef(Nid, Reference, silo.SiloAddress));

    /// <summary>
    /// User grains keep sessions in memory only. When a silo dies, the grains it hosted come back empty elsewhere,
    /// so this node registers its live sessions again (a repeated registration of the same connection is a no-op).
    /// </summary>
    private async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        var dead = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                var newlyDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress)).ToList();
                if (newlyDead.Count > 0)
                {
                    // The directory may have lived on the dead silo.
                    try
                    {
                        await RegisterInDirectoryAsync();
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Groups activated before the next silo change will not find this node's members at once;
                        // they learn them as sessions come and go.
                        LogDirectoryRegisterFailed(logger, ex, Nid);
                    }
                    await RegisterSessionsAgainAsync(cancellationToken);

                    // Until the grain directory has settled, a registration can land on an activation that is then
                    // dropped as a duplicate; a second round after the settle delay covers that.
                    await Task.Delay(_options.SessionRecheckDelay, time, cancellationToken);
                    await RegisterSessionsAgainAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task RegisterSessionsAgainAsync(CancellationToken cancellationToken)
    {
        // Right after a death the grain directory may still point at the dead silo, so failures are retried.
        var pending = _connections.Values.Where(c => c.Session is not null && !c.IsClosing).ToList();
        int registered = 0;
        for (int attempt = 1; pending.Count > 0; attempt++)
        {
            var failed = new List<ImConnection>();
            foreach (var connection in pending)
            {
                var session = connection.Session!;
                try
                {
                    await grains.GetGrain<IUserGrain>((long)session.Uid).Online(new SessionInfo(session.Sid, AddressOf(connection), session.Terminal));
                    await RejoinRoomsAsync(connection, session.Uid);
                    registered++;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // Calls into a grain whose silo just died may also fail as cancelled: retried like any failure.
                    if (attempt == MaxReRegisterAttempts)
                    {
                        // This session stays unknown to its grain until it reconnects; its messages wait in the inbox.
                        LogReRegisterFailed(logger, ex, session.Uid, session.Sid);
                    }
                    else
                    {
                        failed.Add(connection);
                    }
                }
            }

            pending = failed;
            if (pending.Count > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), time, cancellationToken);
            }
        }

        LogReRegistered(logger, Nid, registered);
    }

    /// <summary>
    /// Room membership lives in room grains' memory: a room that came back empty after a silo died gets this
    /// node's sessions again (a session it still has answers 20016 and stays as it is).
    /// </summary>
    private async Task RejoinRoomsAsync(ImConnection connection, ulong uid)
    {
        foreach (var rid in connection.Rooms.Keys)
        {
            var joined = await grains.GetGrain<IRoomGrain>((long)rid).Join(uid, AddressOf(connection));
            if (joined.Code == ResultCode.Ok)
            {
                JoinRoomLocally(rid, connection, joined.Bucket);
            }
            else if (joined.Code != ResultCode.AlreadyExists)
            {
                LeaveRoomLocally(rid, connection);
            }
        }
    }

    private void Sweep()
    {
        var now = time.GetTimestamp();
        foreach (var connection in _connections.Values)
        {
            connection.CheckTimeouts(now);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Gateway node {Nid} started")]
    private static partial void LogStarted(ILogger logger, uint nid);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Gateway node {Nid}: a silo died; registered {Count} live session(s) again")]
    private static partial void LogReRegistered(ILogger logger, uint nid, int count);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Could not register session uid {Uid} sid {Sid} again")]
    private static partial void LogReRegisterFailed(ILogger logger, Exception ex, ulong uid, ulong sid);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Gateway node {Nid}: registering in the gateway directory failed")]
    private static partial void LogDirectoryRegisterFailed(ILogger logger, Exception ex, uint nid);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Gateway node {Nid}: reporting to the node directory failed")]
    private static partial void LogReportFailed(ILogger logger, Exception ex, uint nid);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Could not end session uid {Uid} sid {Sid} in its user grain")]
    private static partial void LogOfflineFailed(ILogger logger, Exception ex, ulong uid, ulong sid);
}
