using Microsoft.Extensions.Logging;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// What this node tells the node directory (the same reports an external node sends: LSND-INFO per listener,
/// LSND-USR-NUM) on a timer, and the counts the admin API asks for.
/// </summary>
public sealed partial class NodeReports(
    GatewayNode node,
    ConnectionRegistry registry,
    SessionRecovery recovery,
    IGrainFactory grains,
    GatewayOptions options,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    /// <summary>How long <c>/api/iplist</c> waits for the node directory before it answers from what it knew.</summary>
    public static readonly TimeSpan DirectoryWait = TimeSpan.FromSeconds(2);

    private ITimer? _timer;
    /// <summary>How long a list from the node directory is handed out before the directory is asked again.</summary>
    public static readonly TimeSpan ListFreshness = TimeSpan.FromSeconds(1);

    private IReadOnlyList<NodeListing> _lastKnown = [];
    private long _lastKnownAt;
    private readonly Lock _askingGate = new();
    private Task<IReadOnlyList<NodeListing>>? _asking;

    /// <summary>Reports now, then every <see cref="GatewayOptions.ReportInterval"/>.</summary>
    public async Task StartAsync()
    {
        await ReportAsync();
        _timer = time.CreateTimer(_ => ReportAsync().Ignore(), null, options.ReportInterval, options.ReportInterval);
    }

    public NodeStats Stats() => new(node.Nid, registry.Count, registry.SessionCount, registry.UserCount);

    public void Dispose() => _timer?.Dispose();

    private async Task ReportAsync()
    {
        try
        {
            var directory = grains.GetGrain<INodeDirectoryGrain>(0);
            foreach (var listener in Own().Listeners)
            {
                await directory.ReportListener(node.Nid, listener);
            }

            await directory.ReportUsers(node.Nid, (uint)registry.SessionCount);
            Remember(await directory.GetNodes());

            // The gateway directory is memory only, and a registration made while the cluster was still forming
            // can land on an activation that is then dropped as a duplicate: registering again on every report
            // (idempotent) makes it converge, so a group grain rebuilding its index finds every node.
            await recovery.RegisterInDirectoryAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next report tries again; until then the directory may drop this node.
            LogReportFailed(logger, ex, node.Nid);
        }
    }

    /// <summary>
    /// The gateway nodes clients may use (<c>/api/iplist</c>): the node directory's list, asked at most once per
    /// <see cref="ListFreshness"/> however many clients ask (a gateway's clients all come back at once after a failure).
    /// When the directory does not answer within <see cref="DirectoryWait"/> (its silo died and the cluster has not
    /// declared it dead yet), the list this node knew last. Either way this node is on it: a directory that has just
    /// moved to a live silo starts empty and fills as the nodes report again.
    /// </summary>
    public Task<IReadOnlyList<NodeListing>> ListNodesAsync()
    {
        if (time.GetElapsedTime(Volatile.Read(ref _lastKnownAt)) < ListFreshness)
        {
            return Task.FromResult(WithOwn(Volatile.Read(ref _lastKnown)));
        }

        lock (_askingGate)
        {
            if (_asking is null || _asking.IsCompleted)
            {
                _asking = AskDirectoryAsync();
            }

            return _asking;
        }
    }

    private async Task<IReadOnlyList<NodeListing>> AskDirectoryAsync()
    {
        IReadOnlyList<NodeListing> nodes;
        try
        {
            nodes = await grains.GetGrain<INodeDirectoryGrain>(0).GetNodes().WaitAsync(DirectoryWait, time);
            Remember(nodes);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            LogDirectoryUnavailable(logger, ex.GetType().Name, node.Nid);
            nodes = Volatile.Read(ref _lastKnown);
        }

        return WithOwn(nodes);
    }

    private void Remember(IReadOnlyList<NodeListing> nodes)
    {
        Volatile.Write(ref _lastKnown, nodes);
        Volatile.Write(ref _lastKnownAt, time.GetTimestamp());
    }

    private IReadOnlyList<NodeListing> WithOwn(IReadOnlyList<NodeListing> nodes) =>
        nodes.Any(n => n.Nid == node.Nid) ? nodes : [.. nodes, Own()];

    /// <summary>This node as the directory lists it.</summary>
    private NodeListing Own()
    {
        var address = PublicAddress();
        var listeners = new List<NodeListener>(2);
        if (options.TcpPort != 0)
        {
            listeners.Add(new NodeListener(1, "", "", address, (uint)options.TcpPort));
        }

        listeners.Add(new NodeListener(2, "", "", address, (uint)options.HttpPort));
        return new NodeListing(node.Nid, listeners, null, (uint)registry.SessionCount, time.GetUtcNow());
    }

    /// <summary>
    /// The address reported for this node: <c>Gateway:PublicAddress</c>; else the listen address; else, when listening
    /// on every address, the silo's advertised address (the host's own on a cluster of several hosts, 127.0.0.1 by
    /// default).
    /// </summary>
    private string PublicAddress() =>
        options.PublicAddress.Length > 0 ? options.PublicAddress
        : options.ListenAddress is not ("0.0.0.0" or "::") ? options.ListenAddress
        : node.SiloAddress.Endpoint.Address is { } advertised && !advertised.Equals(System.Net.IPAddress.Any) && !advertised.Equals(System.Net.IPAddress.IPv6Any)
            ? advertised.ToString()
            : "127.0.0.1";

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Gateway node {Nid}: the node directory did not answer ({Failure}); listing the nodes known from the last report")]
    private static partial void LogDirectoryUnavailable(ILogger logger, string failure, uint nid);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Gateway node {Nid}: reporting to the node directory failed")]
    private static partial void LogReportFailed(ILogger logger, Exception ex, uint nid);
}
