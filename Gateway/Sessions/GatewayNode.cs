using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// This process's gateway node: its identity (nid, observer reference, silo), the grain observer through which grains
/// push to its connections, and its lifecycle. The work is done by its parts, one concept each: the
/// <see cref="Registry"/> of connections, the <see cref="Delivery"/> of pushes, the <see cref="Upkeep"/> (sweep and
/// drain), the <see cref="Recovery"/> after a silo dies, and the <see cref="Reports"/> to the node directory.
/// </summary>
public sealed partial class GatewayNode : IGatewayNode, IHostedLifecycleService, IDisposable
{
    private readonly IGrainFactory _grains;
    private readonly ILocalSiloDetails _silo;
    private readonly GatewayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<GatewayNode> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _watchingMembership = Task.CompletedTask;

    public GatewayNode(
        IGrainFactory grains,
        ILocalSiloDetails silo,
        IClusterMembershipService membership,
        IOptions<GatewayOptions> options,
        [FromKeyedServices(ImClock.Key)] TimeProvider time,
        ILogger<GatewayNode> logger)
    {
        _grains = grains;
        _silo = silo;
        _options = options.Value;
        _time = time;
        _logger = logger;
        Registry = new ConnectionRegistry();
        Delivery = new NodeDelivery(Registry, new PushSequencer(time, _options.PushGapWait));
        Upkeep = new ConnectionUpkeep(Registry, Delivery, _options, time, logger);
        Recovery = new SessionRecovery(this, Registry, grains, membership, _options, time, logger);
        Reports = new NodeReports(this, Registry, Recovery, grains, _options, time, logger);
    }

    /// <summary>The node id carried in every server frame's <c>nid</c>.</summary>
    public uint Nid { get; private set; }

    /// <summary>The observer reference grains use to reach this node.</summary>
    public IGatewayNode Reference { get; private set; } = null!;

    public SiloAddress SiloAddress => _silo.SiloAddress;

    public ConnectionRegistry Registry { get; }

    public NodeDelivery Delivery { get; }

    public ConnectionUpkeep Upkeep { get; }

    public SessionRecovery Recovery { get; }

    public NodeReports Reports { get; }

    /// <summary>True once the host is stopping: new logins are refused with 10002.</summary>
    public bool IsStopping => Upkeep.IsStopping;

    public int ConnectionCount => Registry.Count;

    /// <summary>Whether any local connection's outbound queue is backed up (senders then wait).</summary>
    public NodeCongestion Congestion { get; } = new();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Nid = _options.NodeId != 0 ? _options.NodeId : checked((uint)await _grains.GetGrain<IIdAllocatorGrain>(IdKinds.Nid).Next());
        Reference = _grains.CreateObjectReference<IGatewayNode>(this);
        await Recovery.RegisterInDirectoryAsync();
        Upkeep.StartSweeping();
        _watchingMembership = Recovery.WatchMembershipAsync(_stopping.Token);
        await Reports.StartAsync();
        LogStarted(_logger, Nid);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Graceful shutdown, before any service stops (the silo is still fully up): the connections drain (see
    /// <see cref="ConnectionUpkeep.DrainAsync"/>); each session ends in its user grain as after OFFLINE.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => Upkeep.DrainAsync(Nid, cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Upkeep.StopSweeping();
        Reports.Dispose();
        _stopping.Cancel();
        await _watchingMembership;
        foreach (var connection in Registry.All)
        {
            connection.Close();
        }

        try
        {
            await _grains.GetGrain<IGatewayDirectoryGrain>(0).Unregister(Nid).WaitAsync(_options.DrainTimeout, _time, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The directory drops the nodes of dead silos by itself once this silo has left.
            LogDirectoryUnregisterFailed(_logger, ex, Nid);
        }
    }

    public void Dispose()
    {
        Upkeep.Dispose();
        Reports.Dispose();
    }

    public SessionAddress AddressOf(ImConnection connection) => new(Nid, connection.Id, Reference, SiloAddress);

    /// <summary>Forgets a closed connection, takes it out of its rooms and ends its session in the user grain.</summary>
    public async Task RemoveAsync(ImConnection connection)
    {
        if (connection.Session is { HasRooms: true } roomer)
        {
            foreach (var rid in roomer.Rooms.Keys)
            {
                _grains.GetGrain<IRoomGrain>((long)rid).Leave(Nid, connection.Id).Ignore();
            }
        }

        Registry.Remove(connection);
        if (connection.Session is not { } session)
        {
            return;
        }

        try
        {
            await _grains.GetGrain<IUserGrain>((long)session.Uid).Offline(session.Sid, Nid, connection.Id);
        }
        catch (Exception ex)
        {
            // The user grain's session table is memory only; a failed call leaves a stale entry that the next
            // login with this sid replaces. Nothing else depends on it.
            LogOfflineFailed(_logger, ex, session.Uid, session.Sid);
        }
    }

    // IGatewayNode: what grains ask of this node.

    public Task Kick(long connectionId, uint code)
    {
        if (Registry.TryGet(connectionId, out var connection))
        {
            connection.Kick(code);
        }

        return Task.CompletedTask;
    }

    public Task Deliver(byte[] frame, long[] connectionIds, uint pushClass, PushOrder order)
    {
        Delivery.Deliver(frame, connectionIds, pushClass, order);
        return Task.CompletedTask;
    }

    public Task DeliverToUsers(byte[] frame, ulong[] uids, long exceptConnectionId, uint pushClass, PushOrder order)
    {
        Delivery.DeliverToUsers(frame, uids, exceptConnectionId, pushClass, order);
        return Task.CompletedTask;
    }

    public Task DeliverToRoom(ulong rid, uint bucket, byte[] frame, long exceptConnectionId, uint pushClass, PushOrder order)
    {
        Delivery.DeliverToRoom(rid, bucket, frame, exceptConnectionId, pushClass, order);
        return Task.CompletedTask;
    }

    public Task RemoveFromRoom(ulong rid, long[] connectionIds, byte[] frame, PushOrder order)
    {
        Delivery.RemoveFromRoom(rid, connectionIds, frame, order);
        return Task.CompletedTask;
    }

    public Task DeliverToAll(byte[] frame)
    {
        Delivery.DeliverToAll(frame);
        return Task.CompletedTask;
    }

    public Task<ulong[]> FindLocalUsers(ulong[] uids) => Task.FromResult(uids.Where(Registry.HasUser).ToArray());

    public Task<ulong> GetStreamFloor(long connectionId) =>
        Task.FromResult(Registry.TryGet(connectionId, out var connection) ? connection.OrderedFloor : ulong.MaxValue);

    public Task<NodeStats> GetStats() => Task.FromResult(Reports.Stats());

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Gateway node {Nid} started")]
    private static partial void LogStarted(ILogger logger, uint nid);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Gateway node {Nid}: leaving the gateway directory failed")]
    private static partial void LogDirectoryUnregisterFailed(ILogger logger, Exception ex, uint nid);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Could not end session uid {Uid} sid {Sid} in its user grain")]
    private static partial void LogOfflineFailed(ILogger logger, Exception ex, ulong uid, ulong sid);
}
