using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OrleansIm.Client;
using OrleansIm.Gateway.Auth;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Accounts;

/// <summary>
/// Account export and erase through the admin API, end to end: what the export holds, what the erase removes and
/// tells others, what others keep, idempotency, and bad input. Run embedded and in PostgreSQL mode.
/// </summary>
public abstract class AccountExportEraseSuite
{
    protected abstract Task<ImServer> StartAsync(Dictionary<string, string?> settings, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? replace = null);

    [Fact]
    public async Task Export_holds_the_account_and_erase_removes_it_and_tells_everyone_concerned()
    {
        await using var server = await StartAsync([]);
        ulong alice = Ids.Next(), bob = Ids.Next(), carol = Ids.Next(), dave = Ids.Next();
        await using var a = await server.LoginAsync("ws", alice);
        await using var b = await server.LoginAsync("tcp", bob);
        await using var c = await server.LoginAsync("tcp", carol);

        // Contacts: alice and bob are friends (marked), alice asked carol, alice blacklisted dave.
        Assert.Equal(0u, await a.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = bob, Mark = "bobby" }));
        Assert.Equal(0u, await b.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = bob, Dest = alice, Mark = "" }));
        Assert.Equal(0u, await a.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = carol, Mark = "" }));
        Assert.Equal(0u, await a.CodeOfAsync(Cmd.BlacklistAdd, new BlacklistAdd { Orig = alice, Dest = dave }));

        // Groups: alice owns g1 (bob is its manager, carol a member), is a member of bob's g2, and owns g3 alone.
        var g1 = await a.CreateGroupAsync();
        Assert.Equal(0u, await a.InviteAsync(g1, bob));
        Assert.Equal(0u, await a.InviteAsync(g1, carol));
        Assert.Equal(0u, await a.GroupAsync(Cmd.GroupMgrAdd, bob, g1));
        var g2 = await b.CreateGroupAsync();
        Assert.Equal(0u, await b.InviteAsync(g2, alice));
        var g3 = await a.CreateGroupAsync();

        // Messages both ways and in both groups.
        for (int i = 1; i <= 3; i++)
        {
            Assert.Equal(0u, (await a.ChatAsync(bob, $"from alice {i}")).Code);
        }

        Assert.Equal(0u, (await b.ChatAsync(alice, "from bob")).Code);
        Assert.Equal(0u, (await a.GroupChatAsync(g1, "alice in g1")).Code);
        Assert.Equal(0u, (await a.GroupChatAsync(g2, "alice in g2")).Code);
        Assert.Equal(0u, (await b.GroupChatAsync(g1, "bob in g1")).Code);

        // The export.
        using var http = Admin(server);
        using var export = await ExportAsync(http, alice);
        var root = export.RootElement;
        Assert.Equal(alice, root.GetProperty("uid").GetUInt64());
        var contacts = root.GetProperty("contacts");
        Assert.Equal([bob], IdList(contacts, "friends"));
        Assert.Equal([carol], IdList(contacts, "requests_out"));
        Assert.Equal([dave], IdList(contacts, "blacklist"));
        Assert.Equal("bobby", contacts.GetProperty("marks").GetProperty(bob.ToString()).GetString());
        var groups = root.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("gid").GetUInt64(), g => g.GetProperty("role").GetString());
        Assert.Equal(new Dictionary<ulong, string?> { [g1] = "owner", [g2] = "member", [g3] = "owner" }, groups);
        var inbox = root.GetProperty("inbox");
        var entries = inbox.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(inbox.GetProperty("head").GetUInt64(), (ulong)entries.Count);
        var chats = entries.Where(e => e.GetProperty("command").GetString() == "CHAT").Select(e => e.GetProperty("body").GetProperty("text").GetString()).ToList();
        Assert.Equal(["from alice 1", "from alice 2", "from alice 3", "from bob"], chats);
        var head = inbox.GetProperty("head").GetUInt64();

        // The erase: alice's session is closed first.
        var erased = await EraseAsync(http, alice);
        Assert.True(await a.WaitClosedAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, erased.GetProperty("sessions_kicked").GetInt32());
        Assert.True(erased.GetProperty("inbox_entries").GetInt64() >= (long)head);
        Assert.Equal(2, erased.GetProperty("contacts_told").GetInt32());
        var outcomes = erased.GetProperty("groups");
        Assert.Equal((1, 1, 1), (outcomes.GetProperty("ownership_passed").GetInt32(), outcomes.GetProperty("left").GetInt32(), outcomes.GetProperty("dismissed").GetInt32()));
        Assert.Equal(5, erased.GetProperty("tombstoned").GetInt32());

        // Bob and carol no longer have alice as a contact.
        Assert.DoesNotContain((await b.ContactsAsync()).Contacts, x => x.Uid == alice);
        Assert.DoesNotContain((await c.ContactsAsync()).Contacts, x => x.Uid == alice);

        // g1 passed to its manager, bob; g2 goes on without alice; g3 is gone.
        var info = await b.GroupInfoAsync(g1);
        Assert.Equal((0u, bob, 2u), (info.Code, info.Owner, info.Members));
        Assert.Equal(1u, (await b.GroupInfoAsync(g2)).Members);
        Assert.Equal(ResultCode.NotFound, (await b.GroupInfoAsync(g3)).Code);

        // What alice sent is a tombstone in bob's inbox and in g1's log; what bob sent is untouched.
        await using (var fresh = await server.LoginAsync("tcp", bob))
        {
            var request = new Sync { Uid = bob, Seq = 0 };
            request.Groups.Add(new GroupCursor { Gid = g1, Seq = 0 });
            var (_, frames) = await fresh.SyncAsync(request);
            var fromAlice = frames.Where(f => f.Type == Cmd.Chat).Select(f => f.As(Chat.Parser)).Where(m => m.Orig == alice).ToList();
            Assert.Equal(3, fromAlice.Count);
            Assert.All(fromAlice, m => Assert.True(m.Recalled && m.Text.Length == 0));
            Assert.Contains(frames, f => f.Type == Cmd.Chat && f.As(Chat.Parser).Text == "from bob");
            var log = frames.Where(f => f.Type == Cmd.GroupChat).Select(f => f.As(GroupChat.Parser)).Where(m => m.Gid == g1).ToList();
            Assert.True(Assert.Single(log, m => m.Uid == alice).Recalled);
            Assert.Equal("bob in g1", Assert.Single(log, m => m.Uid == bob).Text);
        }

        // Nothing is left in alice's export (the erase took every entry up to the head); her seqs go on from the head.
        ulong headAfter;
        using (var after = await ExportAsync(http, alice))
        {
            var r = after.RootElement;
            Assert.Empty(IdList(r.GetProperty("contacts"), "friends"));
            Assert.Empty(IdList(r.GetProperty("contacts"), "blacklist"));
            Assert.Equal(0, r.GetProperty("groups").GetArrayLength());
            Assert.Equal(0, r.GetProperty("inbox").GetProperty("entries").GetArrayLength());
            headAfter = r.GetProperty("inbox").GetProperty("head").GetUInt64();
            Assert.Equal(erased.GetProperty("inbox_entries").GetInt64(), (long)headAfter);
        }

        await using (var back = await server.LoginAsync("tcp", alice))
        {
            var (sync, frames) = await back.SyncAsync(0);
            Assert.Empty(frames);
            Assert.True(sync.Trimmed);
            Assert.Equal(0u, (await b.ChatAsync(alice, "welcome back")).Code);
            Assert.Equal(headAfter + 1, (await back.ReceiveAsync(Cmd.Chat)).Header.Serial);
        }

        // Idempotent: a second erase finds nothing more, and so does one of a user never seen.
        var again = await EraseAsync(http, alice);
        Assert.Equal(0, again.GetProperty("tombstoned").GetInt32());
        var unknown = await EraseAsync(http, Ids.Next());
        Assert.False(unknown.GetProperty("had_data").GetBoolean());
        Assert.Equal(0, unknown.GetProperty("inbox_entries").GetInt32());
    }

    [Fact]
    public async Task With_KeepSentMessages_what_the_user_sent_stays()
    {
        await using var server = await StartAsync(new() { ["Accounts:KeepSentMessages"] = "true" });
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using (var a = await server.LoginAsync("tcp", alice))
        {
            Assert.Equal(0u, (await a.ChatAsync(bob, "stays")).Code);
        }

        using var http = Admin(server);
        var erased = await EraseAsync(http, alice);
        Assert.Equal("kept", erased.GetProperty("sent_messages").GetString());
        await using var b = await server.LoginAsync("tcp", bob);
        var (_, frames) = await b.SyncAsync(0);
        Assert.Equal("stays", Assert.Single(frames).As(Chat.Parser).Text);
    }

    [Fact]
    public async Task Export_and_erase_each_write_an_audit_line_naming_the_admin()
    {
        var logs = new LogCapture();
        await using var server = await StartAsync([], logs.AddTo);
        ulong alice = Ids.Next();
        using var http = new HttpClient { BaseAddress = server.HttpUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token(4242, role: Roles.Admin));
        (await ExportAsync(http, alice)).Dispose();
        await EraseAsync(http, alice);
        var audit = logs.Lines.Where(l => l.Message.StartsWith("Audit:", StringComparison.Ordinal)).Select(l => l.Message).ToList();
        Assert.Equal(2, audit.Count);
        Assert.StartsWith($"Audit: account {alice} exported by admin 4242", audit[0]);
        Assert.StartsWith($"Audit: account {alice} erased by admin 4242", audit[1]);
    }

    [Fact]
    public async Task Bad_requests_are_refused()
    {
        await using var server = await StartAsync([]);
        using var http = Admin(server);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/api/users/0/erase", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/users/0/export")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/users/not-a-number/export")).StatusCode);

        using var anonymous = new HttpClient { BaseAddress = server.HttpUri };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/users/5/erase", null)).StatusCode);
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token(5, role: Roles.User));
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PostAsync("/api/users/5/erase", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync("/api/users/5/export")).StatusCode);
    }

    private static HttpClient Admin(ImServer server)
    {
        var http = new HttpClient { BaseAddress = server.HttpUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token(1, role: Roles.Admin));
        return http;
    }

    private static async Task<JsonDocument> ExportAsync(HttpClient http, ulong uid)
    {
        using var response = await http.GetAsync($"/api/users/{uid}/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> EraseAsync(HttpClient http, ulong uid)
    {
        using var response = await http.PostAsync($"/api/users/{uid}/erase", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private static List<ulong> IdList(JsonElement parent, string name) => [.. parent.GetProperty(name).EnumerateArray().Select(e => e.GetUInt64())];
}

public sealed class EmbeddedAccountExportEraseTests : AccountExportEraseSuite
{
    protected override Task<ImServer> StartAsync(Dictionary<string, string?> settings, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? replace = null) =>
        ImServer.StartAsync(settings, replace: replace);
}

public sealed class PostgresAccountExportEraseTests : AccountExportEraseSuite
{
    protected override async Task<ImServer> StartAsync(Dictionary<string, string?> settings, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? replace = null) =>
        await PostgresServers.StartAsync(await PostgresServers.NewDatabaseAsync(), settings, replace);
}
