using Microsoft.Extensions.Time.Testing;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Account;

/// <summary>Embedded mode: every account-state command over TCP and WebSocket, two devices of one user on one gateway.</summary>
public sealed class AccountTests(AccountServerFixture fixture) : AccountSuite, IClassFixture<AccountServerFixture>
{
    protected override AccountScenarios On(string transport) => new(fixture.Server, fixture.Server, fixture.Clock, transport);
}

/// <summary>The account-state scenarios, each over TCP and WebSocket; a subclass says on which servers.</summary>
public abstract class AccountSuite
{
    protected abstract AccountScenarios On(string transport);

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Contacts_are_listed_with_a_version_and_other_devices_follow_every_change(string transport) =>
        On(transport).ContactsAreListedWithAVersionAndOtherDevicesFollowEveryChangeAsync();

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Conversations_read_positions_and_receipts_agree_across_devices(string transport) =>
        On(transport).ConversationsReadPositionsAndReceiptsAgreeAcrossDevicesAsync();

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Presence_answers_friends_and_starts_subscribers_with_a_snapshot(string transport) =>
        On(transport).PresenceAnswersFriendsAndStartsSubscribersWithASnapshotAsync();

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Recall_replaces_the_message_everywhere_within_the_window(string transport) =>
        On(transport).RecallReplacesTheMessageEverywhereWithinTheWindowAsync();

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Group_recall_typing_and_info_follow_the_roles(string transport) =>
        On(transport).GroupRecallTypingAndInfoFollowTheRolesAsync();

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public Task Typing_reaches_the_peer_only(string transport) =>
        On(transport).TypingReachesThePeerOnlyAsync();
}

/// <summary>An embedded server on a fake clock with a heartbeat long enough for the clock to be moved by minutes.</summary>
public sealed class AccountServerFixture : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["Gateway:HeartbeatSeconds"] = "3600",
    };

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));

    public ImServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ImServer.StartAsync(Settings, clock: Clock);

    public Task DisposeAsync() => Server.StopAsync();
}
