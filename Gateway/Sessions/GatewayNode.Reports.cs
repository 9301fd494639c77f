using Microsoft.Extensions.Logging;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Sessions;

/// <summary>What this node tells the node directory and the admin API about itself.</summary>
public sealed partial class GatewayNode
{
    /// <summary>The same reports an external node sends (LSND-INFO per listener, LSND-USR-NUM), made for this node.</summary>
    private async Task ReportAsync()
    {
        try
        {
            var directory = grains.GetGrain<INodeDirectoryGrain>(0);
            var address = PublicAddress();
            if (_options.TcpPort != 0)
            {
                await directory.ReportListener(Nid, new NodeListener(1, "", "", address, (uint)_options.TcpPort));
            }

            await directory.ReportListener(Nid, new NodeListener(2, "", "", address, (uint)_options.HttpPort));
            await directory.ReportUsers(Nid, (uint)_connections.Values.Count(c => c.Session is not null));

            // The gateway directory is memory only, and a registration made while the cluster was still forming
            // can land on an activation that is then dropped as a duplicate: registering again on every report
            // (idempotent) makes it converge, so a group grain rebuilding its index finds every node.
            await RegisterInDirectoryAsync();
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

    public Task<NodeStats> GetStats()
    {
        var sessions = _connections.Values.Count(c => c.Session is not null);
        return Task.FromResult(new NodeStats(Nid, _connections.Count, sessions, _byUser.Count));
    }
}
