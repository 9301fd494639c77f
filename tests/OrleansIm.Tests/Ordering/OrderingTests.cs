using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Ordering;

/// <summary>
/// Embedded mode: pipelined bursts take effect in send order whatever state the target grain is in (never activated,
/// deactivated since its last use, active).
/// </summary>
[Collection(OrderingServerCollection.Name)]
public sealed class OrderingTests(OrderingServerFixture fixture)
{
    private const int Repeats = 50;

    private ImServer Server => fixture.Server;

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Chat_bursts_to_receivers_that_were_never_active_keep_send_order(string transport) =>
        OrderingScenarios.ChatToNeverActiveReceiversAsync(Server, Server, transport, Repeats);

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Chat_bursts_to_receivers_whose_grain_was_deactivated_keep_send_order(string transport) =>
        OrderingScenarios.ChatToDeactivatedReceiversAsync(Server, Server, transport, Repeats);

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Chat_bursts_to_online_receivers_are_delivered_live_in_send_order(string transport) =>
        OrderingScenarios.ChatToOnlineReceiversAsync(Server, Server, transport, Repeats);

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Group_chat_bursts_to_a_deactivated_group_keep_send_order(string transport) =>
        OrderingScenarios.GroupChatToDeactivatedGroupsAsync(Server, Server, transport, Repeats);
}
