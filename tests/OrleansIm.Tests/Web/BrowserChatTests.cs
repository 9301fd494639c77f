using Microsoft.Playwright;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace OrleansIm.Tests.Web;

/// <summary>The web client in Debian's Chromium against a running embedded server: contacts and private chat.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserChatTests(BrowserFixture browsers, EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [Fact]
    public async Task Two_users_become_friends_chat_both_ways_and_keep_history_across_a_reload()
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, alice);
        await using var b = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, bob);
        await Expect(a.Page.GetByTestId("session-info")).ToContainTextAsync($"uid {alice} · sid ");

        // Alice asks, Bob sees the request and accepts: both list each other as friends.
        await a.TabAsync("Contacts");
        await a.Page.GetByTestId("friend-uid").FillAsync(bob.ToString());
        await a.Page.GetByTestId("friend-add").ClickAsync();
        await Expect(a.Page.GetByTestId("requests-out")).ToContainTextAsync($"user {bob}");
        await b.TabAsync("Contacts");
        await Expect(b.Page.GetByTestId("requests-count")).ToHaveTextAsync("1");
        await b.Page.GetByTestId($"accept-{alice}").ClickAsync();
        await Expect(b.Page.GetByTestId("friends")).ToContainTextAsync($"user {alice}");
        await Expect(a.Page.GetByTestId("friends")).ToContainTextAsync($"user {bob}");

        // Alice writes from the friends list; the message is stored (sent), reaches Bob's page (delivered), and is
        // read when Bob opens the conversation.
        await a.Page.GetByTestId($"chat-{bob}").ClickAsync();
        await a.SendChatAsync("hello bob");
        await b.TabAsync("Chats");
        await Expect(b.Page.GetByTestId($"unread-{alice}")).ToHaveTextAsync("1");
        await Expect(a.Page.GetByTestId("message-state").Last).ToHaveTextAsync("✓✓ delivered");
        await b.Page.GetByTestId($"conversation-{alice}").ClickAsync();
        await Expect(b.Page.GetByTestId("messages")).ToContainTextAsync("hello bob");
        await Expect(b.Page.GetByTestId($"conversation-{alice}").GetByTestId($"unread-{alice}")).ToHaveCountAsync(0);
        await Expect(a.Page.GetByTestId("message-state").Last).ToHaveTextAsync("✓✓ read");

        // Alice has the conversation open: Bob's answer is read as it arrives.
        await b.SendChatAsync("hi alice");
        await Expect(a.Page.GetByTestId("messages")).ToContainTextAsync("hi alice");
        await Expect(b.Page.GetByTestId("message-state").Last).ToHaveTextAsync("✓✓ read");
        await a.ScreenshotAsync("chat-alice");
        await b.ScreenshotAsync("chat-bob");

        // A reload starts from an empty page: the conversation comes back through SYNC, in order, without repeats,
        // and the server still knows Alice read Bob's answer.
        await b.Page.ReloadAsync();
        await b.WaitOnlineAsync();
        await b.Page.GetByTestId($"conversation-{alice}").ClickAsync();
        var messages = b.Page.GetByTestId("messages").GetByTestId("message");
        await Expect(messages).ToHaveCountAsync(2);
        await Expect(messages.Nth(0)).ToContainTextAsync("hello bob");
        await Expect(messages.Nth(1)).ToContainTextAsync("hi alice");
        await Expect(messages.Nth(1).GetByTestId("message-state")).ToHaveTextAsync("✓✓ read");
        await b.ScreenshotAsync("chat-bob-after-reload");

        Assert.Empty(a.ConsoleErrors);
        Assert.Empty(b.ConsoleErrors);
    }

    [Fact]
    public async Task A_refusal_is_shown_with_its_code_and_the_text_is_kept()
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, alice);

        // Bob (on another device, over TCP) blocks Alice; then Alice's message is refused.
        await using (var tcp = await Server.LoginAsync("tcp", bob, sid: 0))
        {
            var block = await tcp.RequestAsync(Cmd.BlacklistAdd, new BlacklistAdd { Orig = bob, Dest = alice });
            Assert.Equal(0u, BlacklistAddAck.Parser.ParseFrom(block.Body).Code);
        }

        await a.OpenConversationAsync(bob);
        await a.SendChatAsync("are you there?");
        await Expect(a.Errors).ToContainTextAsync("CHAT refused: the receiver has blocked you (20014)");
        await Expect(a.Page.GetByTestId("message-state").Last).ToHaveTextAsync("failed");

        // Joining a group that does not exist names the reason too.
        await a.TabAsync("Groups");
        await a.Page.GetByTestId("group-join-gid").FillAsync("999999999999");
        await a.Page.GetByTestId("group-join").ClickAsync();
        await Expect(a.Errors).ToContainTextAsync("GROUP-JOIN refused: it does not exist (20015)");
        await a.ScreenshotAsync("refusals");
    }

    [Fact]
    public async Task A_browser_user_and_a_command_line_user_over_tcp_chat_with_each_other()
    {
        ulong browserUser = Ids.Next(), cliUser = Ids.Next();
        await using var page = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, browserUser);
        await using var tail = CliProcess.Start(Server, "--uid", cliUser.ToString(), "--transport", "tcp", "--json", "tail", "--count", "1", "--seconds", "30");
        await tail.WaitForOutputAsync("\"watching\"");

        await page.OpenConversationAsync(cliUser);
        await page.SendChatAsync("hello terminal");
        var tailed = await tail.WaitAsync();
        var frame = Assert.Single(tailed.Events, e => e.GetProperty("event").GetString() == "frame");
        Assert.Equal("CHAT", frame.GetProperty("cmd").GetString());
        Assert.Equal("hello terminal", frame.GetProperty("body").GetProperty("text").GetString());
        Assert.Equal(browserUser.ToString(), frame.GetProperty("body").GetProperty("orig").GetString());
        await Expect(page.Page.GetByTestId("message-state").Last).ToHaveTextAsync("✓ sent");

        var reply = await CliProcess.RunAsync(Server, "--uid", cliUser.ToString(), "--transport", "tcp", "send", browserUser.ToString(), "hello browser");
        Assert.True(reply.ExitCode == 0, reply.ToString());
        await Expect(page.Page.GetByTestId("messages")).ToContainTextAsync("hello browser");
        await page.ScreenshotAsync("browser-and-cli");
    }
}
