using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// This process's gateway node: its id, its local connections, and the grain observer through which grains push
/// to them. It also sweeps connections for handshake and heartbeat timeouts.
/// </summary>
public sealed partial class GatewayNode(
    IGrainFactory grains,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<GatewayNode> logger) : IGatewayNode, IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<long, ImConnection> _connections = new();
    private readonly GatewayOptions _options = options.Value;
    private long _lastConnectionId;
    private ITimer? _sweep;

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
        _sweep = time.CreateTimer(_ => Sweep(), null, _options.SweepInterval, _options.SweepInterval);
        LogStarted(logger, Nid);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        IsStopping = true;
        _sweep?.Dispose();
        foreach (var connection in _connections.Values)
        {
            connection.Close();
        }

        return Task.CompletedTask;
    }

    public void Dispose() => _sweep?.Dispose();

    public long NextConnectionId() => Interlocked.Increment(ref _lastConnectionId);

    public SessionAddress AddressOf(ImConnection connection) => new(Nid, connection.Id, Reference);

    public void Add(ImConnection connection) => _connections[connection.Id] = connection;

    /// <summary>Forgets a closed connection and ends its session in the user grain.</summary>
    public async Task RemoveAsync(ImConnection connection)
    {
        _connections.TryRemove(connection.Id, out _);
        if (connection.Session is not { } session)
        {
            return;
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

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Could not end session uid {Uid} sid {Sid} in its user grain")]
    private static partial void LogOfflineFailed(ILogger logger, Exception ex, ulong uid, ulong sid);
}
