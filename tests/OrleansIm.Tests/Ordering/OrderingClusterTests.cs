using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Ordering;

/// <summary>
/// PostgreSQL mode, two silos on one database: the same bursts as <see cref="OrderingTests"/> with the message store
/// committing in batches, and with sender and receiver on different gateways, so the sender's gateway reaches a grain
/// in another silo that it has never called.
/// </summary>
public sealed class OrderingClusterTests(OrderingClusterFixture cluster) : IClassFixture<OrderingClusterFixture>
{
    private const int Repeats = 50;

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Chat_bursts_to_receivers_that_were_never_active_keep_send_order(string transport) =>
        OrderingScenarios.ChatToNeverActiveReceiversAsync(cluster.A, cluster.A, transport, Repeats);

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Chat_bursts_to_receivers_whose_grain_was_deactivated_keep_send_order(string transport) =>
        OrderingScenarios.ChatToDeactivatedReceiversAsync(cluster.A, cluster.A, transport, Repeats);

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Group_chat_bursts_to_a_deactivated_group_keep_send_order(string transport) =>
        OrderingScenarios.GroupChatToDeactivatedGroupsAsync(cluster.A, cluster.B, transport, Repeats);

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Chat_bursts_across_gateways_keep_send_order(string transport) =>
        OrderingScenarios.ChatToOnlineReceiversAsync(cluster.A, cluster.B, transport, Repeats);

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Chat_bursts_across_gateways_to_offline_receivers_keep_send_order(string transport) =>
        OrderingScenarios.ChatToNeverActiveReceiversAsync(cluster.A, cluster.B, transport, Repeats);
}

/// <summary>Two PostgreSQL-mode silos on a database of their own, without a request rate limit.</summary>
public sealed class OrderingClusterFixture : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> Unlimited = new()
    {
        ["Gateway:RequestsPerSecond"] = "1000000",
        ["Gateway:RequestBurst"] = "1000000",
        ["Gateway:MaxRequestsInFlight"] = "64",
    };

    public ImServer A { get; private set; } = null!;

    public ImServer B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        A = await PostgresServers.StartAsync(db, Unlimited);
        B = await PostgresServers.StartAsync(db, Unlimited);
        await ClusterReady.WaitAsync(A.Services.GetRequiredService<IGrainFactory>(), 2);
    }

    public async Task DisposeAsync()
    {
        await B.StopAsync();
        await A.StopAsync();
    }
}
