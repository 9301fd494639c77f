using System.Diagnostics;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.Gateway;

public sealed class GroupFanOutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ImServer _server = null!;

    public async Task InitializeAsync() => _server = await ImServer.StartAsync(new Dictionary<string, string?>
    {
        ["Gateway:RequestsPerSecond"] = "100000",
        ["Gateway:RequestBurst"] = "100000",
    });

    public Task DisposeAsync() => _server.StopAsync();

    [Fact]
    public async Task One_message_to_a_thousand_members_reaches_each_of_two_hundred_online_sessions_exactly_once()
    {
        await using var owner = await _server.LoginAsync("tcp", Ids.Next());
        var gid = await owner.CreateGroupAsync();
        var members = Enumerable.Range(0, 999).Select(_ => Ids.Next()).ToArray();
        foreach (var uid in members)
        {
            Assert.Equal(0u, await owner.InviteAsync(gid, uid));
        }

        Assert.Equal(1000u, (await owner.ListAsync(gid)).Total);

        var online = new List<ImClient>();
        for (int i = 0; i < 200; i++)
        {
            online.Add(await _server.LoginAsync(i % 2 == 0 ? "tcp" : "ws", members[i * 4]));
        }

        try
        {
            var clock = Stopwatch.StartNew();
            var ack = await owner.GroupChatAsync(gid, "to everyone");
            Assert.Equal(0u, ack.Code);
            var arrivals = await Task.WhenAll(online.Select(async session =>
            {
                var frame = await session.ReceiveAsync(Cmd.GroupChat);
                var at = clock.Elapsed;
                Assert.Equal((ack.Seq, "to everyone"), (frame.Header.Serial, frame.As(GroupChat.Parser).Text));
                return at;
            }));
            output.WriteLine($"one GROUP-CHAT reached {arrivals.Length} sessions of a 1000-member group in {arrivals.Max().TotalMilliseconds:F1} ms (median {arrivals.Order().ElementAt(arrivals.Length / 2).TotalMilliseconds:F1} ms)");

            // Exactly once: nothing else comes for any of them.
            await Task.WhenAll(online.Select(session => session.AssertNothingSentAsync(Cmd.GroupChat)));
        }
        finally
        {
            foreach (var session in online)
            {
                await session.DisposeAsync();
            }
        }
    }
}
