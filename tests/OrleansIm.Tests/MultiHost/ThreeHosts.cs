using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.MultiHost;

/// <summary>
/// One three-host cluster (<see cref="NetworkCluster"/>) shared by <see cref="MultiHostTests"/>: started once, ready
/// when every host's /api/iplist lists all three gateways, removed with its namespaces when the class is done.
/// </summary>
public sealed class ThreeHosts : IAsyncLifetime
{
    public const int Count = 3;

    private NetworkCluster? _cluster;

    public NetworkCluster Cluster => _cluster ?? throw new InvalidOperationException("the three hosts did not start");

    public async Task InitializeAsync()
    {
        // Listening on every address, as a host usually does: each gateway then reports its silo's advertised address
        // (the host's own), which is what /api/iplist must list.
        _cluster = await NetworkCluster.StartAsync(Count, new Dictionary<string, string> { ["Gateway__ListenAddress"] = "0.0.0.0" });
        await WaitForEveryGatewayAsync(_cluster);
    }

    /// <summary>Until every host's /api/iplist lists the TCP gateways of all hosts (nodes report every few seconds).</summary>
    public static async Task WaitForEveryGatewayAsync(NetworkCluster cluster)
    {
        var last = new List<string>();
        await Transports.EventuallyAsync(async () =>
        {
            for (var host = 0; host < cluster.Count; host++)
            {
                last = await cluster.IpListAsync(host, "tcp");
                if (!cluster.TcpEndpoints.All(last.Contains))
                {
                    return false;
                }
            }

            return true;
        }, () => $"every gateway in /api/iplist (last: {string.Join(", ", last)})", TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
