using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Client;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace OrleansIm.Tests.Web;

/// <summary>
/// The web client takes the account's state from the server: two browser contexts of one user (two devices, no
/// shared storage) agree on contacts, unread counts, read receipts and presence, across reloads; recall, typing and
/// group names reach every page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserAccountTests(BrowserFixture browsers, EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [Fact]
    public async Task Two_devices_of_one_user_agree_on_contacts_unread_counts_receipts_and_presence_across_reloads()
    {
        ulong alice = Ids.Next(), bob = Ids.Next(), carol = Ids.Next();
        await using var phone = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, alice);
        await using var laptop = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, alice);
        await using var bobTcp = await Server.LoginAsync("tcp", bob, sid: 0);

        // A request sent from the phone shows on the laptop without a reload; bob's acceptance shows on both.
        await phone.TabAsync("Contacts");
        await phone.Page.GetByTestId("friend-uid").FillAsync(bob.ToString());
        await phone.Page.GetByTestId("friend-add").ClickAsync();
        await laptop.TabAsync("Contacts");
        await Expect(laptop.Page.GetByTestId("requests-out")).ToContainTextAsync($"user {bob}");
        Assert.Equal(0u, await bobTcp.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = bob, Dest = alice, Mark = "" }));
        foreach (var device in new[] { phone, laptop })
        {
            await Expect(device.Page.GetByTestId("friends")).ToContainTextAsync($"user {bob}");
            await Expect(device.Page.GetByTestId($"presence-{bob}").First).ToHaveTextAsync(" online");
        }

        // A remark made on the laptop names bob on the phone.
        await laptop.Page.GetByLabel($"Remark for user {bob}").FillAsync("Bobby");
        await laptop.Page.GetByTestId($"contact-{bob}").GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(phone.Page.GetByTestId("friends")).ToContainTextAsync($"Bobby ({bob})");

        // Three messages from bob: both devices count three unread.
        Assert.Equal(0u, await bobTcp.SubscribeAsync(Cmd.ReceiptNtc));
        var bobSeqs = new List<ulong>();
        foreach (var text in new[] { "one", "two", "three" })
        {
            bobSeqs.Add((await bobTcp.ChatAsync(alice, text)).Seq);
        }

        await phone.TabAsync("Chats");
        await laptop.TabAsync("Chats");
        await Expect(phone.Page.GetByTestId($"unread-{bob}")).ToHaveTextAsync("3");
        await Expect(laptop.Page.GetByTestId($"unread-{bob}")).ToHaveTextAsync("3");

        // Opening the conversation on the phone reads it: the laptop's count drops, bob gets a read receipt (after
        // the delivered one the pages sent on arrival).
        await phone.Page.GetByTestId($"conversation-{bob}").ClickAsync();
        await Expect(phone.Page.GetByTestId("messages").GetByTestId("message")).ToHaveCountAsync(3);
        await Expect(laptop.Page.GetByTestId($"unread-{bob}")).ToHaveCountAsync(0);
        ReceiptNtc receipt;
        do
        {
            receipt = (await bobTcp.ReceiveAsync(Cmd.ReceiptNtc)).As(ReceiptNtc.Parser);
        }
        while (receipt.Kind != 2);
        Assert.Equal((alice, bobSeqs[2]), (receipt.Peer, receipt.Seq));

        // The phone moves to another conversation; one more message from bob is unread on both, and stays one
        // (not four) after both reload.
        await phone.OpenConversationAsync(carol);
        await bobTcp.ChatAsync(alice, "four");
        await Expect(phone.Page.GetByTestId($"unread-{bob}")).ToHaveTextAsync("1");
        await Expect(laptop.Page.GetByTestId($"unread-{bob}")).ToHaveTextAsync("1");
        foreach (var device in new[] { phone, laptop })
        {
            await device.Page.ReloadAsync();
            await device.WaitOnlineAsync();
            await Expect(device.Page.GetByTestId($"unread-{bob}")).ToHaveTextAsync("1");
            await Expect(device.Page.GetByTestId($"presence-{bob}").First).ToHaveTextAsync(" online");
            await device.TabAsync("Contacts");
            await Expect(device.Page.GetByTestId("friends")).ToContainTextAsync($"Bobby ({bob})");
            await device.TabAsync("Chats");
        }

        // Alice answers from the laptop and bob reads it: the phone, which did not send it, shows it read, and so
        // does the laptop after a reload (the server keeps the peer's read position).
        await laptop.Page.GetByTestId($"conversation-{bob}").ClickAsync();
        await laptop.SendChatAsync("hi bob");
        var reply = await bobTcp.ReceiveAsync(Cmd.Chat);
        Assert.Equal("hi bob", reply.As(Chat.Parser).Text);
        Assert.Equal(0u, (await bobTcp.ReadAsync(1, alice, reply.Header.Serial)).Code);
        await Expect(laptop.Page.GetByTestId("message-state").Last).ToHaveTextAsync("✓✓ read");
        await phone.Page.GetByTestId($"conversation-{bob}").ClickAsync();
        await Expect(phone.Page.GetByTestId("message-state").Last).ToHaveTextAsync("✓✓ read");
        await laptop.Page.ReloadAsync();
        await laptop.WaitOnlineAsync();
        await laptop.Page.GetByTestId($"conversation-{bob}").ClickAsync();
        await Expect(laptop.Page.GetByTestId("message-state").Last).ToHaveTextAsync("✓✓ read");

        // Bob leaves: both devices show him offline, with when he was last seen.
        await bobTcp.DisposeAsync();
        foreach (var device in new[] { phone, laptop })
        {
            await Expect(device.Page.GetByTestId($"presence-{bob}").First).ToHaveTextAsync(" offline");
            await Expect(device.Page.GetByTestId($"last-seen-{bob}")).ToContainTextAsync("last seen");
        }

        await laptop.Page.ReloadAsync();
        await laptop.WaitOnlineAsync();
        await laptop.Page.GetByTestId($"conversation-{bob}").ClickAsync();
        await Expect(laptop.Page.GetByTestId($"last-seen-{bob}")).ToContainTextAsync("last seen");
        await phone.ScreenshotAsync("account-phone");
        await laptop.ScreenshotAsync("account-laptop");

        // Nothing of the account lives in the browser: no localStorage at all, and only the login and the device's
        // sid in sessionStorage.
        foreach (var device in new[] { phone, laptop })
        {
            Assert.Equal(0, await device.Page.EvaluateAsync<int>("localStorage.length"));
            var keys = await device.Page.EvaluateAsync<string[]>("Object.keys(sessionStorage)");
            Assert.Subset(new HashSet<string> { "orleansim.login", "orleansim.sid", $"orleansim.rooms.{alice}" }, keys.ToHashSet());
            Assert.Contains("orleansim.login", keys);
            Assert.Empty(device.ConsoleErrors);
        }
    }

    [Fact]
    public async Task Recall_typing_and_group_names_reach_every_page()
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using (var a = await Server.LoginAsync("tcp", alice, sid: 0))
        await using (var b = await Server.LoginAsync("tcp", bob, sid: 0))
        {
            Assert.Equal(0u, await a.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = bob, Mark = "" }));
            Assert.Equal(0u, await b.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = bob, Dest = alice, Mark = "" }));
        }

        await using var phone = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, alice);
        await using var laptop = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, alice);
        await using var bobPage = await ImPage.LoginAsync(browsers.Browser, Server.HttpUri, bob);
        await bobPage.OpenConversationAsync(alice);
        await phone.OpenConversationAsync(bob);

        // Typing on the phone shows on bob's page, and goes when the message arrives.
        await phone.Page.GetByTestId("chat-input").FillAsync("oops");
        await Expect(bobPage.Page.GetByTestId("typing")).ToContainTextAsync("is typing");
        await phone.Page.GetByTestId("chat-send").ClickAsync();
        await Expect(bobPage.Page.GetByTestId("messages")).ToContainTextAsync("oops");
        await Expect(bobPage.Page.GetByTestId("typing")).ToHaveCountAsync(0);

        // Recall from the phone: the phone, alice's laptop and bob's page all show the tombstone; the text is gone
        // from the store and from a reloaded page.
        await laptop.OpenConversationAsync(bob);
        await Expect(laptop.Page.GetByTestId("messages")).ToContainTextAsync("oops");
        await phone.Page.GetByTestId("recall").Last.ClickAsync();
        await Expect(phone.Page.GetByTestId("recalled")).ToHaveTextAsync("You recalled a message");
        await Expect(laptop.Page.GetByTestId("recalled")).ToHaveTextAsync("You recalled a message");
        await Expect(bobPage.Page.GetByTestId("recalled")).ToHaveTextAsync("Message recalled");
        await Expect(bobPage.Page.GetByTestId("messages")).Not.ToContainTextAsync("oops");
        var store = Server.Services.GetRequiredService<IMessageStore>();
        var bobsInbox = await store.ReadAsync(LogKind.Inbox, bob, 0, 100);
        var chat = bobsInbox.Where(e => e.Cmd == Cmd.Chat).Select(e => Chat.Parser.ParseFrom(e.Body)).Single(c => c.Orig == alice);
        Assert.Equal((true, ""), (chat.Recalled, chat.Text));
        await bobPage.Page.ReloadAsync();
        await bobPage.WaitOnlineAsync();
        await bobPage.Page.GetByTestId($"conversation-{alice}").ClickAsync();
        await Expect(bobPage.Page.GetByTestId("recalled")).ToHaveTextAsync("Message recalled");
        await bobPage.ScreenshotAsync("recall-bob");

        // A group created by alice: bob joins by id and sees its name, not a number; a rename reaches him.
        await phone.TabAsync("Groups");
        await phone.Page.GetByTestId("group-name").FillAsync("hikers");
        await phone.Page.GetByTestId("group-create").ClickAsync();
        await Expect(phone.Page.GetByTestId("my-role")).ToHaveTextAsync("owner");
        var gid = (await phone.Page.Locator("#groups .item.active").GetAttributeAsync("data-testid"))!["group-".Length..];
        await bobPage.TabAsync("Groups");
        await bobPage.Page.GetByTestId("group-join-gid").FillAsync(gid);
        await bobPage.Page.GetByTestId("group-join").ClickAsync();
        await Expect(bobPage.Page.GetByTestId($"group-{gid}")).ToContainTextAsync("hikers");
        await phone.Page.GetByTestId("group-rename-input").FillAsync("climbers");
        await phone.Page.GetByTestId("group-rename-submit").ClickAsync();
        await Expect(bobPage.Page.GetByTestId($"group-{gid}")).ToContainTextAsync("climbers");
        await Expect(bobPage.Page.GetByTestId("group-messages")).ToContainTextAsync("renamed the group \"climbers\"");

        // Bob's group message is unread on both of alice's devices (the laptop learnt of the group from bob's
        // joining and names it) until the phone opens the group.
        await laptop.TabAsync("Groups");
        await Expect(laptop.Page.GetByTestId($"group-{gid}")).ToContainTextAsync("climbers");
        await phone.Page.GetByTestId("group-name").FillAsync("another");
        await phone.Page.GetByTestId("group-create").ClickAsync();
        await Expect(phone.Page.GetByTestId("group-messages")).Not.ToContainTextAsync("renamed");
        await bobPage.Page.GetByTestId("group-chat-input").FillAsync("up the hill");
        await bobPage.Page.GetByTestId("group-chat-send").ClickAsync();
        await Expect(laptop.Page.GetByTestId("group-unread")).ToHaveTextAsync("1");
        await Expect(phone.Page.GetByTestId("group-unread")).ToHaveTextAsync("1");
        await phone.Page.GetByTestId($"group-{gid}").ClickAsync();
        await Expect(laptop.Page.GetByTestId("group-unread")).ToHaveTextAsync("");

        foreach (var page in new[] { phone, laptop, bobPage })
        {
            Assert.Empty(page.ConsoleErrors);
        }
    }
}
