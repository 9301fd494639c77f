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
    // A user's connections here as a small array replaced on change: most users have one, and a concurrent
    // dictionary per user cost more than the rest of an idle session's gateway state.
    private readonly ConcurrentDictionary<ulong, ImConnection[]> _byUser = new();
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

    /// <summary>Whether any local connection's outbound queue is backed up (senders then wait).</summary>
    public NodeCongestion Congestion { get; } = new();

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

    public long NextConnectionId() => Interlocked.Increment(ref _lastConnectionId);

    public SessionAddress AddressOf(ImConnection connection) => new(Nid, connection.Id, Reference, silo.SiloAddress);

    public void Add(ImConnection connection) => _connections[connection.Id] = connection;

    /// <summary>Indexes a logged-in connection by its uid, for deliveries addressed to users.</summary>
    public void IndexSession(ImConnection connection) =>
        _byUser.AddOrUpdate(connection.Session!.Uid, static (_, c) => [c], static (_, existing, c) => [.. existing, c], connection);

    /// <summary>Forgets a closed connection and ends its session in the user grain.</summary>
    public async Task RemoveAsync(ImConnection connection)
    {
        _connections.TryRemove(connection.Id, out _);
        if (connection.Session is not { } session)
        {
            return;
        }

        if (connection.HasRooms)
        {
            foreach (var rid in connection.Rooms.Keys)
            {
                LeaveRoomLocally(rid, connection);
                grains.GetGrain<IRoomGrain>((long)rid).Leave(Nid, connection.Id).Ignore();
            }
        }

        Unindex(session.Uid, connection);

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

    public Task Kick(long connectionId, uint code)
    {
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            connection.Kick(code);
        }

        return Task.CompletedTask;
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
