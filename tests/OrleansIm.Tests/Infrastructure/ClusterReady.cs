using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>Waits for a multi-silo test cluster to be fully usable.</summary>
public static class ClusterReady
{
    /// <summary>
    /// Until <paramref name="count"/> silos are active and as many gateways are listed in the gateway directory
    /// (memory only; it converges through the nodes' periodic registrations). Broadcasts and group index rebuilds
    /// reach the nodes listed there.
    /// </summary>
    public static async Task WaitAsync(IGrainFactory grains, int count)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        await Transports.EventuallyAsync(async () => (await management.GetHosts(onlyActive: true)).Count == count, "all silos active", TimeSpan.FromSeconds(60));
        var gateways = grains.GetGrain<IGatewayDirectoryGrain>(0);
        await Transports.EventuallyAsync(async () => (await gateways.GetNodes()).Count == count, "every gateway in the directory", TimeSpan.FromSeconds(60));
    }
}
