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
    ILogger<GatewayNode> logger) : IGatewayNode, IHostedLifecycleService, IDisposable
{
    private readonly ConcurrentDictionary<long, ImConnection> _connections = new();
    // A user's connections here as a small array replaced on change: most users have one, and a concurrent
    // dictionary per user cost more than the rest of an idle session's gateway state.
    private readonly ConcurrentDictionary<ulong, ImConnection[]> _byUser = new();
    private readonly ConcurrentDictionary<ulong, ConcurrentDictionary<long, (ImConnection Connection, uint Bucket)>> _rooms = new();
    private readonly GatewayOptions _options = options.Value;
    private readonly PushSequencer _pushes = new(time, options.Value.PushGapWait);
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

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Graceful shutdown, before any service stops (the silo is still fully up): new logins are refused with 10002,
    /// every connection finishes its requests in flight, gets what is queued for it, then KICK 10002 (reconnect
    /// elsewhere) and is closed; its session ends in the user grain as after OFFLINE. Bounded by
    /// <see cref="GatewayOptions.DrainTimeout"/>, after which what is left is closed at once.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        IsStopping = true;
        var started = time.GetTimestamp();
        var count = _connections.Count;
        LogDraining(logger, Nid, count);
        _drainsOutstanding = 1; // held until every connection below was asked to drain
        foreach (var connection in _connections.Values)
        {
            connection.Drain(ResultCode.Unavailable);
        }

        DrainEnded();
        _drainDeadline = time.CreateTimer(_ => _drainSettled.TrySetResult(), null, _options.DrainTimeout / 2, Timeout.InfiniteTimeSpan);

        try
        {
            while (!_connections.IsEmpty && time.GetElapsedTime(started) < _options.DrainTimeout)
            {
                // Connections made while draining are refused at login and closed by the next pass.
                foreach (var connection in _connections.Values)
                {
                    connection.Drain(ResultCode.Unavailable);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out first.
        }

        var left = _connections.Count;
        foreach (var connection in _connections.Values)
        {
            connection.Abort();
        }

        LogDrained(logger, Nid, count - left, left, time.GetElapsedTime(started).TotalMilliseconds);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private readonly TaskCompletionSource _drainSettled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _drainsOutstanding;
    private ITimer? _drainDeadline;

    /// <summary>A connection was asked to drain and has not finished its requests yet.</summary>
    public void DrainBegan() => Interlocked.Increment(ref _drainsOutstanding);

    /// <summary>
    /// Called by a drained connection once its requests finished; waits until every drained connection's did (or
    /// half the drain timeout passed), so that no KICK goes out before the pushes of requests still finishing.
    /// </summary>
    public Task DrainSettledAsync()
    {
        DrainEnded();
        return _drainSettled.Task;
    }

    private void DrainEnded()
    {
        if (Interlocked.Decrement(ref _drainsOutstanding) == 0)
        {
            _drainSettled.TrySetResult();
        }
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

        try
        {
            await grains.GetGrain<IGatewayDirectoryGrain>(0).Unregister(Nid).WaitAsync(_options.DrainTimeout, time, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The directory drops the nodes of dead silos by itself once this silo has left.
            LogDirectoryUnregisterFailed(logger, ex, Nid);
        }
    }

    public void Dispose()
    {
        _drainDeadline?.Dispose();
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

    public Task<ulong> GetStreamFloor(long connectionId) =>
        Task.FromResult(_connections.TryGetValue(connectionId, out var connection) ? connection.OrderedFloor : ulong.MaxValue);

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
        _pushes.Sweep();
        var now = time.GetTimestamp();
        foreach (var connection in _connections.Values)
        {
            connection.CheckTimeouts(now);
        }
    }

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Gateway node {Nid}: shutting down, draining {Count} connection(s)")]
    private static partial void LogDraining(ILogger logger, uint nid, int count);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Gateway node {Nid}: {Drained} connection(s) drained, {Aborted} closed at the drain timeout, in {Milliseconds:F0} ms")]
    private static partial void LogDrained(ILogger logger, uint nid, int drained, int aborted, double milliseconds);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Gateway node {Nid} started")]
    private static partial void LogStarted(ILogger logger, uint nid);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Gateway node {Nid}: a silo died; registered {Count} live session(s) again")]
    private static partial void LogReRegistered(ILogger logger, uint nid, int count);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Could not register session uid {Uid} sid {Sid} again")]
    private static partial void LogReRegisterFailed(ILogger logger, Exception ex, ulong uid, ulong sid);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Gateway node {Nid}: registering in the gateway directory failed")]
    private static partial void LogDirectoryRegisterFailed(ILogger logger, Exception ex, uint nid);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Gateway node {Nid}: leaving the gateway directory failed")]
    private static partial void LogDirectoryUnregisterFailed(ILogger logger, Exception ex, uint nid);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Gateway node {Nid}: reporting to the node directory failed")]
    private static partial void LogReportFailed(ILogger logger, Exception ex, uint nid);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Could not end session uid {Uid} sid {Sid} in its user grain")]
    private static partial void LogOfflineFailed(ILogger logger, Exception ex, ulong uid, ulong sid);
}
