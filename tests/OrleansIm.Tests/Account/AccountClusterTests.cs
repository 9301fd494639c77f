using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Account;

/// <summary>
/// PostgreSQL mode: the same scenarios on a two-silo cluster, a user's two devices on different silos, read
/// positions and contacts in the database.
/// </summary>
public sealed class AccountClusterTests(AccountClusterFixture cluster) : AccountSuite, IClassFixture<AccountClusterFixture>
{
    protected override AccountScenarios On(string transport) => new(cluster.A, cluster.B, cluster.Clock, transport);
}

/// <summary>Two PostgreSQL-mode silos on one database and one fake clock.</summary>
public sealed class AccountClusterFixture : IAsyncLifetime
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));

    public ImServer A { get; private set; } = null!;

    public ImServer B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        var settings = new Dictionary<string, string?>(AccountServerFixture.Settings) { ["ConnectionStrings:Postgres"] = db };
        A = await ImServer.StartAsync(settings, clock: Clock);
        B = await ImServer.StartAsync(settings, clock: Clock);
        // The nodes register in the gateway directory again on every report, which runs on the fake clock: moving it
        // lets a registration lost while the cluster formed be made again.
        var grains = A.Services.GetRequiredService<IGrainFactory>();
        await Transports.EventuallyAsync(async () =>
        {
            Clock.Advance(TimeSpan.FromSeconds(10));
            return (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 2
                && (await grains.GetGrain<OrleansIm.Grains.Interfaces.IGatewayDirectoryGrain>(0).GetNodes()).Count == 2;
        }, "both silos active and in the gateway directory", TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        await B.StopAsync();
        await A.StopAsync();
    }
}
