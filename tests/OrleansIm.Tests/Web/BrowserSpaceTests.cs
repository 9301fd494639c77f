using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace OrleansIm.Tests.Web;

/// <summary>The web client in Chromium: groups with roles, rooms with a live head count, and reconnection.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class BrowserSpaceTests(BrowserFixture browsers, EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [GeneratedRegex(@"\((\d+)\)")]
    private static partial Regex IdInHeading();

    private static async Task<ulong> HeadingIdAsync(ILocator view)
    {
        var heading = await view.GetByRole(AriaRole.Heading).First.InnerTextAsync();
        return ulong.Parse(IdInHeading().Match(heading).Groups[1].Value);
    }

    [Fact]
    public async Task Three_users_share_a_group_and_a_manager_mutes_a_member()
    {
        ulong owner = Ids.Next(), manager = Ids.Next(), member = Ids.Next();
        await using var o = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, owner);
        await using var m = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, manager);
        await using var u = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, member);

        await o.TabAsync("Groups");
        await o.Page.GetByTestId("group-name").FillAsync("team");
        await o.Page.GetByTestId("group-create").ClickAsync();
        await Expect(o.Page.GetByTestId("my-role")).ToHaveTextAsync("owner");
        var gid = await HeadingIdAsync(o.Page.GetByTestId("group"));

        // One joins by id, the owner invites the other.
        await m.TabAsync("Groups");
        await m.Page.GetByTestId("group-join-gid").FillAsync(gid.ToString());
        await m.Page.GetByTestId("group-join").ClickAsync();
        await Expect(m.Page.GetByTestId("my-role")).ToHaveTextAsync("member");
        await o.Page.GetByTestId("group-invite-input").FillAsync(member.ToString());
        await o.Page.GetByTestId("group-invite-submit").ClickAsync();
        await Expect(o.Page.GetByTestId("members").Locator("tbody tr")).ToHaveCountAsync(3);
        await Expect(o.Page.GetByTestId("group-messages")).ToContainTextAsync($"user {member} joined");

        // The owner appoints a manager; the manager sees the new role and mutes the member.
        await o.Page.GetByTestId($"appoint-{manager}").ClickAsync();
        await Expect(o.Page.GetByTestId($"role-{manager}")).ToHaveTextAsync("manager");
        await Expect(m.Page.GetByTestId("group-messages")).ToContainTextAsync("You became a manager");
        await m.Page.GetByTestId($"group-{gid}").ClickAsync();
        await Expect(m.Page.GetByTestId("my-role")).ToHaveTextAsync("manager");
        await Expect(m.Page.GetByTestId($"kick-{owner}")).ToHaveCountAsync(0);
        await m.Page.GetByTestId($"gag-{member}").ClickAsync();

        // Chat reaches everyone; the muted member's message is refused with its code, and the notice is inline.
        await o.Page.GetByTestId("group-chat-input").FillAsync("hello team");
        await o.Page.GetByTestId("group-chat-send").ClickAsync();
        await Expect(m.Page.GetByTestId("group-messages")).ToContainTextAsync("hello team");
        await u.TabAsync("Groups");
        await u.Page.GetByTestId($"group-{gid}").ClickAsync();
        await Expect(u.Page.GetByTestId("group-messages")).ToContainTextAsync("hello team");
        await Expect(u.Page.GetByTestId("group-notice").Filter(new() { HasText = "muted" })).ToHaveCountAsync(1);
        await u.Page.GetByTestId("group-chat-input").FillAsync("can I speak?");
        await u.Page.GetByTestId("group-chat-send").ClickAsync();
        await Expect(u.Errors).ToContainTextAsync("GROUP-CHAT refused: you are muted in this group (20018)");
        await Expect(o.Page.GetByTestId("group-messages")).Not.ToContainTextAsync("can I speak?");
        await o.ScreenshotAsync("group-owner");
        await m.ScreenshotAsync("group-manager");
        await u.ScreenshotAsync("group-muted-member");
    }

    [Fact]
    public async Task A_rooms_head_count_changes_when_a_third_user_joins()
    {
        ulong host = Ids.Next(), guest = Ids.Next(), late = Ids.Next();
        await using var h = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, host);
        await h.TabAsync("Rooms");
        await h.Page.GetByTestId("room-name").FillAsync("live");
        await h.Page.GetByTestId("room-create").ClickAsync();
        await Expect(h.Page.GetByTestId("room-count")).ToHaveTextAsync("1 here");
        var rid = await HeadingIdAsync(h.Page.GetByTestId("room"));

        await using var g = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, guest);
        await g.TabAsync("Rooms");
        await g.Page.GetByTestId("room-join-rid").FillAsync(rid.ToString());
        await g.Page.GetByTestId("room-join").ClickAsync();
        await Expect(g.Page.GetByTestId("room-count")).ToHaveTextAsync("2 here");
        await Expect(h.Page.GetByTestId("room-count")).ToHaveTextAsync("2 here");

        await using var l = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, late);
        await l.TabAsync("Rooms");
        await l.Page.GetByTestId("room-join-rid").FillAsync(rid.ToString());
        await l.Page.GetByTestId("room-join").ClickAsync();
        await Expect(l.Page.GetByTestId("room-count")).ToHaveTextAsync("3 here");
        await Expect(h.Page.GetByTestId("room-count")).ToHaveTextAsync("3 here");
        await Expect(g.Page.GetByTestId("room-count")).ToHaveTextAsync("3 here");

        // Chat, a broadcast from the owner, and a kick that everyone sees.
        await g.Page.GetByTestId("room-chat-input").FillAsync("hi room");
        await g.Page.GetByTestId("room-chat-send").ClickAsync();
        await Expect(h.Page.GetByTestId("room-messages")).ToContainTextAsync("hi room");
        await h.Page.GetByTestId("room-bc-input").FillAsync("welcome all");
        await h.Page.GetByTestId("room-bc-send").ClickAsync();
        await Expect(l.Page.GetByTestId("room-broadcast")).ToContainTextAsync("welcome all");
        await h.Page.GetByTestId("room-kick-input").FillAsync(late.ToString());
        await h.Page.GetByTestId("room-kick-submit").ClickAsync();
        await Expect(l.Page.GetByTestId("room-messages")).ToContainTextAsync("removed from this room");
        await Expect(h.Page.GetByTestId("room-count")).ToHaveTextAsync("2 here");

        // A guest may not broadcast: the refusal names the reason.
        await g.Page.GetByTestId("room-bc-input").FillAsync("me too");
        await g.Page.GetByTestId("room-bc-send").ClickAsync();
        await Expect(g.Errors).ToContainTextAsync("ROOM-BC refused: you are not allowed to do that (10005)");
        await h.ScreenshotAsync("room-host");
        await l.ScreenshotAsync("room-kicked");
    }

    [Fact]
    public async Task The_page_reconnects_after_its_connection_drops_and_shows_what_was_sent_meanwhile()
    {
        ulong reader = Ids.Next(), writer = Ids.Next();
        await using var proxy = new TcpProxy(Server.HttpPort);
        await using var r = await ImPage.LoginAsync(browsers.Browser, new Uri($"http://127.0.0.1:{proxy.Port}/"), reader);
        var before = await r.Page.GetByTestId("session-info").InnerTextAsync();
        await using var w = await Server.LoginAsync("tcp", writer);
        await r.OpenConversationAsync(writer);

        var first = await w.RequestAsync(Cmd.Chat, new Chat { Orig = writer, Dest = reader, Level = 1, Time = 1, Text = "before the drop" }, serial: 1);
        Assert.Equal(0u, first.As(ChatAck.Parser).Code);
        await Expect(r.Page.GetByTestId("messages")).ToContainTextAsync("before the drop");

        proxy.Down();
        await Expect(r.Page.GetByTestId("status")).ToContainTextAsync("reconnecting");
        for (var i = 0; i < 3; i++)
        {
            var ack = await w.RequestAsync(Cmd.Chat, new Chat { Orig = writer, Dest = reader, Level = 1, Time = 2, Text = $"while away {i}" }, serial: (ulong)(2 + i));
            Assert.Equal(0u, ack.As(ChatAck.Parser).Code);
        }

        await r.ScreenshotAsync("reconnecting");
        proxy.Up();
        await r.WaitOnlineAsync();
        var messages = r.Page.GetByTestId("messages").GetByTestId("message");
        await Expect(messages).ToHaveCountAsync(4, new() { Timeout = 20_000 });
        for (var i = 0; i < 3; i++)
        {
            await Expect(messages.Nth(i + 1)).ToContainTextAsync($"while away {i}");
        }

        // The same device came back (same sid).
        var sid = Regex.Match(before, @"sid (\d+)").Groups[1].Value;
        await Expect(r.Page.GetByTestId("session-info")).ToContainTextAsync($"sid {sid} ");
        await r.ScreenshotAsync("reconnected");
        Assert.DoesNotContain(r.ConsoleErrors, e => !e.Contains("WebSocket", StringComparison.Ordinal));
    }
}
