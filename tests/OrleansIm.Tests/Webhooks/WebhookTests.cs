using System.Text.Json;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Webhooks;

/// <summary>
/// Webhooks in embedded mode against a real HTTP receiver in the test process: every event type with its fields and a
/// signature that verifies.
/// </summary>
public sealed class WebhookTests(WebhookFixture fixture) : IClassFixture<WebhookFixture>
{
    private ImServer Server => fixture.Server;

    private WebhookReceiver Receiver => fixture.Receiver;

    [Fact]
    public async Task A_message_for_a_user_with_no_session_is_an_event_with_preview_and_unread_count()
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await Server.LoginAsync("tcp", alice);
        var first = await a.ChatAsync(bob, "hello bob, are you there? " + new string('x', 100));
        var second = await a.ChatAsync(bob, "second");

        var offline = await Receiver.WaitAsync("message.offline", e => ForUser(e, bob).Count == 2);
        var (one, two) = (ForUser(offline, bob)[0], ForUser(offline, bob)[1]);
        Assert.Equal((alice, bob, 1UL, 1L), (U(one, "from"), U(one, "to"), U(one, "seq"), one.GetProperty("unread").GetInt64()));
        Assert.Equal(64, one.GetProperty("preview").GetString()!.Length);
        Assert.StartsWith("hello bob", one.GetProperty("preview").GetString());
        Assert.Equal((2UL, "second", 2L), (U(two, "seq"), two.GetProperty("preview").GetString(), two.GetProperty("unread").GetInt64()));
        Assert.True(two.GetProperty("id").GetInt64() > one.GetProperty("id").GetInt64());
        Assert.False(one.TryGetProperty("text", out _));
        Assert.Equal(0, Receiver.BadSignatures);

        // Every stored message is an event too, with its whole text, seen from the receiver's inbox.
        var stored = await Receiver.WaitAsync("message.stored", e => ForUser(e, bob).Count == 2);
        Assert.Equal(["hello bob, are you there? " + new string('x', 100), "second"], ForUser(stored, bob).Select(e => e.GetProperty("text").GetString()));
        Assert.True(first.Seq > 0 && second.Seq > first.Seq);

        // Online, bob gets no offline event; he reads the first two, leaves, and the unread count starts after them.
        await using (var b = await Server.LoginAsync("ws", bob))
        {
            await a.ChatAsync(bob, "while you are here");
            await b.ReceiveAsync(Cmd.Chat);
            Assert.Equal(0u, (await b.ReadAsync(1, alice, 2)).Code);
        }

        await Receiver.WaitAsync("session.offline", e => e.Any(x => U(x, "uid") == bob && x.GetProperty("last").GetBoolean()));
        await a.ChatAsync(bob, "fourth");
        var afterRead = await Receiver.WaitAsync("message.offline", e => ForUser(e, bob).Count == 3);
        var fourth = ForUser(afterRead, bob)[2];
        Assert.Equal((4UL, "fourth", 2L), (U(fourth, "seq"), fourth.GetProperty("preview").GetString(), fourth.GetProperty("unread").GetInt64()));
        Assert.Equal(4, ForUser(await Receiver.WaitAsync("message.stored", e => ForUser(e, bob).Count == 4), bob).Count);
    }

    [Fact]
    public async Task A_group_message_names_the_members_with_no_session()
    {
        ulong owner = Ids.Next(), here = Ids.Next(), away = Ids.Next(), gone = Ids.Next();
        await using var o = await Server.LoginAsync("tcp", owner);
        await using var h = await Server.LoginAsync("ws", here);
        var gid = await o.CreateGroupAsync();
        foreach (var member in new[] { here, away, gone })
        {
            Assert.Equal(0u, await o.InviteAsync(gid, member));
        }

        var ack = await o.GroupChatAsync(gid, "meeting at noon");
        var offline = await Receiver.WaitAsync("message.offline", e => e.Any(x => x.TryGetProperty("gid", out var g) && g.GetUInt64() == gid));
        var e = Assert.Single(offline, x => x.TryGetProperty("gid", out var g) && g.GetUInt64() == gid);
        Assert.Equal((owner, ack.Seq, "meeting at noon"), (U(e, "from"), U(e, "seq"), e.GetProperty("preview").GetString()));
        Assert.Equal(new[] { away, gone }.Order(), e.GetProperty("uids").EnumerateArray().Select(x => x.GetUInt64()));
        Assert.False(e.TryGetProperty("unread", out _));

        var stored = await Receiver.WaitAsync("message.stored", x => x.Any(y => y.TryGetProperty("gid", out var g) && g.GetUInt64() == gid));
        Assert.Equal("meeting at noon", Assert.Single(stored, y => y.TryGetProperty("gid", out var g) && g.GetUInt64() == gid).GetProperty("text").GetString());

        // With everyone online there is no offline event.
        await using var a = await Server.LoginAsync("tcp", away);
        await using var g2 = await Server.LoginAsync("tcp", gone);
        var allHere = await o.GroupChatAsync(gid, "all here");
        await Receiver.WaitAsync("message.stored", x => x.Any(y => y.TryGetProperty("gid", out var g) && g.GetUInt64() == gid && U(y, "seq") == allHere.Seq));
        Assert.DoesNotContain(Receiver.OfType("message.offline"), x => x.TryGetProperty("gid", out var g) && g.GetUInt64() == gid && U(x, "seq") == allHere.Seq);
    }

    [Fact]
    public async Task Sessions_contacts_and_group_membership_are_events()
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using (var a = await Server.LoginAsync("tcp", alice, sid: 0))
        {
            var online = await Receiver.WaitAsync("session.online", e => e.Any(x => U(x, "uid") == alice));
            var session = Assert.Single(online, x => U(x, "uid") == alice);
            Assert.True(session.GetProperty("first").GetBoolean());
            Assert.True(U(session, "sid") > 0);
            await using var b = await Server.LoginAsync("tcp", bob);

            Assert.Equal(0u, await a.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = bob, Mark = "bobby" }));
            var requested = await Receiver.WaitAsync("contact.changed", e => e.Count(x => U(x, "uid") == alice || U(x, "uid") == bob) >= 2);
            var mine = Assert.Single(requested, x => U(x, "uid") == alice);
            Assert.Equal((bob, true, false, "bobby"), (U(mine, "peer"), mine.GetProperty("request_out").GetBoolean(), mine.GetProperty("friend").GetBoolean(), mine.GetProperty("mark").GetString()));
            var theirs = Assert.Single(requested, x => U(x, "uid") == bob);
            Assert.True(theirs.GetProperty("request_in").GetBoolean());

            var gid = await a.CreateGroupAsync();
            Assert.Equal(0u, await a.InviteAsync(gid, bob));
            Assert.Equal(0u, await a.GroupAsync(Cmd.GroupKick, bob, gid));
            var changes = await Receiver.WaitAsync("group.member", e => e.Count(x => U(x, "gid") == gid) >= 3);
            Assert.Equal([("create", alice, alice, 1), ("join", bob, alice, 2), ("kick", bob, alice, 1)],
                changes.Where(x => U(x, "gid") == gid).Select(x => (x.GetProperty("change").GetString(), U(x, "uid"), U(x, "by"), x.GetProperty("members").GetInt32())));
        }

        var ended = await Receiver.WaitAsync("session.offline", e => e.Any(x => U(x, "uid") == alice));
        Assert.True(Assert.Single(ended, x => U(x, "uid") == alice).GetProperty("last").GetBoolean());
    }

    private static List<JsonElement> ForUser(List<JsonElement> events, ulong uid) =>
        [.. events.Where(e => e.TryGetProperty("uid", out var u) && u.GetUInt64() == uid).OrderBy(e => e.GetProperty("id").GetInt64())];

    private static ulong U(JsonElement e, string name) => e.GetProperty(name).GetUInt64();
}

/// <summary>An embedded server posting every event type to a receiver in the test process.</summary>
public sealed class WebhookFixture : IAsyncLifetime
{
    public WebhookReceiver Receiver { get; private set; } = null!;

    public ImServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        Server = await ImServer.StartAsync(Receiver.Settings(
            "message.offline", "message.stored", "session.online", "session.offline", "contact.changed", "group.member"));
    }

    public async Task DisposeAsync()
    {
        await Server.StopAsync();
        await Receiver.DisposeAsync();
    }
}
