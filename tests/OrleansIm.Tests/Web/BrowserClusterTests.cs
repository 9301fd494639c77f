using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace OrleansIm.Tests.Web;

/// <summary>The web client against a two-silo cluster on PostgreSQL, one browser on each silo's gateway.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserClusterTests(BrowserFixture browsers)
{
    [Fact]
    public async Task Users_on_different_silos_befriend_chat_and_share_a_group()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        await using var siloA = await PostgresServers.StartAsync(db);
        await using var siloB = await PostgresServers.StartAsync(db);
        await ClusterReady.WaitAsync(siloA.Services.GetRequiredService<IGrainFactory>(), 2);

        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await ImPage.LoginAsync(browsers.Browser, siloA.HttpUri, alice);
        await using var b = await ImPage.LoginAsync(browsers.Browser, siloB.HttpUri, bob);

        await a.TabAsync("Contacts");
        await a.Page.GetByTestId("friend-uid").FillAsync(bob.ToString());
        await a.Page.GetByTestId("friend-add").ClickAsync();
        await b.TabAsync("Contacts");
        await b.Page.GetByTestId($"accept-{alice}").ClickAsync();
        await Expect(a.Page.GetByTestId("friends")).ToContainTextAsync($"user {bob}");

        await a.Page.GetByTestId($"chat-{bob}").ClickAsync();
        await a.SendChatAsync("across silos");
        await b.TabAsync("Chats");
        await b.Page.GetByTestId($"conversation-{alice}").ClickAsync();
        await Expect(b.Page.GetByTestId("messages")).ToContainTextAsync("across silos");
        await b.SendChatAsync("and back");
        await Expect(a.Page.GetByTestId("messages")).ToContainTextAsync("and back");
        await Expect(a.Page.GetByTestId("message-state").First).ToHaveTextAsync("✓✓ read");

        await a.TabAsync("Groups");
        await a.Page.GetByTestId("group-name").FillAsync("cluster");
        await a.Page.GetByTestId("group-create").ClickAsync();
        await Expect(a.Page.GetByTestId("my-role")).ToHaveTextAsync("owner");
        await a.Page.GetByTestId("group-invite-input").FillAsync(bob.ToString());
        await a.Page.GetByTestId("group-invite-submit").ClickAsync();
        await a.Page.GetByTestId("group-chat-input").FillAsync("group hello");
        await a.Page.GetByTestId("group-chat-send").ClickAsync();
        await b.TabAsync("Groups");
        await b.Page.GetByTestId("groups").GetByRole(Microsoft.Playwright.AriaRole.Button).First.ClickAsync();
        await Expect(b.Page.GetByTestId("group-messages")).ToContainTextAsync("group hello");

        // Bob's history, private and group, comes back from PostgreSQL after a reload.
        await b.Page.ReloadAsync();
        await b.WaitOnlineAsync();
        await b.Page.GetByTestId($"conversation-{alice}").ClickAsync();
        await Expect(b.Page.GetByTestId("messages").GetByTestId("message")).ToHaveCountAsync(2);
        await b.TabAsync("Groups");
        await b.Page.GetByTestId("groups").GetByRole(Microsoft.Playwright.AriaRole.Button).First.ClickAsync();
        await Expect(b.Page.GetByTestId("group-messages")).ToContainTextAsync("group hello");
        await a.ScreenshotAsync("cluster-silo-a");
        await b.ScreenshotAsync("cluster-silo-b");
    }
}
