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
    private ITimer? _timer;

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
            var address = PublicAddress();
            if (options.TcpPort != 0)
            {
                await directory.ReportListener(node.Nid, new NodeListener(1, "", "", address, (uint)options.TcpPort));
            }

            await directory.ReportListener(node.Nid, new NodeListener(2, "", "", address, (uint)options.HttpPort));
            await directory.ReportUsers(node.Nid, (uint)registry.SessionCount);

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

    private string PublicAddress() =>
        options.PublicAddress.Length > 0 ? options.PublicAddress
        : options.ListenAddress is "0.0.0.0" or "::" ? "127.0.0.1"
        : options.ListenAddress;

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Gateway node {Nid}: reporting to the node directory failed")]
    private static partial void LogReportFailed(ILogger logger, Exception ex, uint nid);
}
