using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Cli;

/// <summary>The <c>im</c> command-line client as a process against a running embedded server.</summary>
[Collection(EmbeddedServerCollection.Name)]
public sealed class CliTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [Theory]
    [InlineData("tcp")]
    [InlineData("ws")]
    public async Task Send_reaches_the_receiver_and_sync_replays_it(string transport)
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        var sent = await CliProcess.RunAsync(Server, "--uid", alice.ToString(), "--transport", transport, "--json", "send", bob.ToString(), "hello", "from", "the", "cli");
        Assert.True(sent.ExitCode == 0, sent.ToString());
        var ack = Assert.Single(sent.Events);
        Assert.Equal("sent", ack.GetProperty("event").GetString());
        Assert.True(ack.GetProperty("seq").GetUInt64() > 0);

        var synced = await CliProcess.RunAsync(Server, "--uid", bob.ToString(), "--transport", transport, "--json", "sync", "--seq", "0");
        Assert.True(synced.ExitCode == 0, synced.ToString());
        var frame = synced.Events[0];
        Assert.Equal("CHAT", frame.GetProperty("cmd").GetString());
        Assert.Equal("hello from the cli", frame.GetProperty("body").GetProperty("text").GetString());
        Assert.Equal(alice.ToString(), frame.GetProperty("body").GetProperty("orig").GetString());
        Assert.Equal("synced", synced.Events[^1].GetProperty("event").GetString());
        Assert.Equal(1u, synced.Events[^1].GetProperty("count").GetUInt32());

        // The same serial again is the same message: not stored twice.
        var serial = ack.GetProperty("serial").GetUInt64().ToString();
        var again = await CliProcess.RunAsync(Server, "--uid", alice.ToString(), "--json", "--serial", serial, "send", bob.ToString(), "hello from the cli");
        Assert.Equal(ack.GetProperty("seq").GetUInt64(), again.Events[0].GetProperty("seq").GetUInt64());
    }

    [Fact]
    public async Task Exit_codes_tell_refusal_from_connection_failure_and_usage()
    {
        var me = Ids.Next().ToString();
        var self = await CliProcess.RunAsync(Server, "--uid", me, "send", me, "to myself");
        Assert.Equal(2, self.ExitCode);
        Assert.Contains("CHAT refused", self.Stderr);
        Assert.Contains("(20007)", self.Stderr);

        var badToken = await CliProcess.RunAsync(Server, "--uid", me, "--token", "not-a-token", "login");
        Assert.Equal(2, badToken.ExitCode);
        Assert.Contains("(20001)", badToken.Stderr);

        var otherUsersToken = await CliProcess.RunAsync(Server, "--uid", me, "--token", Server.Token(Ids.Next()), "login");
        Assert.Equal(2, otherUsersToken.ExitCode);

        var noServer = await CliProcess.RunAsync(Server, "--uid", me, "--tcp-port", FreePorts.Take(1)[0].ToString(), "login");
        Assert.Equal(3, noServer.ExitCode);
        Assert.Contains("cannot connect", noServer.Stderr);

        var noUid = await CliProcess.RunAsync(Server, "send", "5", "hi");
        Assert.Equal(1, noUid.ExitCode);
        Assert.Contains("--uid", noUid.Stderr);

        var badId = await CliProcess.RunAsync(Server, "--uid", me, "send", "zero", "hi");
        Assert.Equal(1, badId.ExitCode);

        var unknownGroup = await CliProcess.RunAsync(Server, "--uid", me, "group", "join", "987654321987");
        Assert.Equal(2, unknownGroup.ExitCode);
        Assert.Contains("(20015)", unknownGroup.Stderr);
    }

    [Fact]
    public async Task Groups_and_rooms_from_the_command_line()
    {
        ulong owner = Ids.Next(), member = Ids.Next();
        var created = await CliProcess.RunAsync(Server, "--uid", owner.ToString(), "--json", "group", "create", "ops");
        var gid = created.Events[0].GetProperty("gid").GetUInt64().ToString();
        Assert.Equal(0, (await CliProcess.RunAsync(Server, "--uid", member.ToString(), "group", "join", gid)).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync(Server, "--uid", owner.ToString(), "group", "appoint", gid, member.ToString())).ExitCode);
        var members = await CliProcess.RunAsync(Server, "--uid", owner.ToString(), "--json", "group", "members", gid);
        var list = members.Events[0].GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("uid").GetUInt64(), m => m.GetProperty("role").GetString());
        Assert.Equal("owner", list[owner]);
        Assert.Equal("manager", list[member]);
        var sent = await CliProcess.RunAsync(Server, "--uid", member.ToString(), "--json", "group", "send", gid, "status ok");
        Assert.True(sent.Events[0].GetProperty("seq").GetUInt64() > 0, sent.ToString());

        // A room watched from one process while another joins and chats.
        var room = await CliProcess.RunAsync(Server, "--uid", owner.ToString(), "--json", "room", "create", "standup");
        var rid = room.Events[0].GetProperty("rid").GetUInt64().ToString();
        await using var watch = CliProcess.Start(Server, "--uid", owner.ToString(), "--json", "room", "watch", rid, "--count", "5", "--seconds", "8");
        await watch.WaitForOutputAsync("\"watching\"");
        var chat = await CliProcess.RunAsync(Server, "--uid", member.ToString(), "room", "send", rid, "hi all");
        Assert.True(chat.ExitCode == 0, chat.ToString());
        var watched = await watch.WaitAsync();
        Assert.True(watched.ExitCode == 0, watched.ToString());
        var frames = watched.Events.Where(e => e.GetProperty("event").GetString() == "frame").Select(e => e.GetProperty("cmd").GetString()).ToList();
        // The member's join, then its message (head counts may be pushed in between: their timer runs on its own).
        var join = frames.IndexOf("ROOM-JOIN-NTC");
        Assert.True(join >= 0, string.Join(",", frames));
        Assert.True(frames.IndexOf("ROOM-CHAT") > join, string.Join(",", frames));
        Assert.All(frames, f => Assert.Contains(f, new[] { "ROOM-JOIN-NTC", "ROOM-CHAT", "ROOM-USR-NUM", "ROOM-QUIT-NTC" }));
    }

    [Fact]
    public async Task Tail_prints_pushes_and_the_shell_runs_commands_on_one_session()
    {
        ulong reader = Ids.Next(), writer = Ids.Next();
        await using var tail = CliProcess.Start(Server, "--uid", reader.ToString(), "--json", "tail", "--count", "2", "--seconds", "30");
        await using var shell = CliProcess.Start(Server, "--uid", writer.ToString(), "shell");
        await tail.WaitForOutputAsync("\"watching\"");
        await shell.Input.WriteLineAsync($"send {reader} \"first line\"");
        await shell.Input.WriteLineAsync($"friend add {reader} pal");
        await shell.Input.WriteLineAsync("nonsense");
        await shell.Input.WriteLineAsync("quit");
        var shellResult = await shell.WaitAsync();
        Assert.True(shellResult.ExitCode == 0, shellResult.ToString());
        Assert.Contains($"sent to {reader}: seq 1", shellResult.Stdout);
        Assert.Contains($"friend add {reader}: ok", shellResult.Stdout);
        Assert.Contains("unknown command \"nonsense\"", shellResult.Stderr);

        var tailed = await tail.WaitAsync();
        var frames = tailed.Events.Where(e => e.GetProperty("event").GetString() == "frame").ToList();
        Assert.Equal(["CHAT", "FRIEND-ADD"], frames.Select(f => f.GetProperty("cmd").GetString()));
        Assert.Equal("first line", frames[0].GetProperty("body").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Admin_commands_wrap_the_http_api()
    {
        var uid = Ids.Next();
        var minted = await CliProcess.RunAsync(Server, "--json", "--admin-token", Server.Token(1, role: "admin"), "admin", "token", uid.ToString(), "--ttl", "600");
        Assert.True(minted.ExitCode == 0, minted.ToString());
        var token = minted.Events[0].GetProperty("response").GetProperty("token").GetString()!;
        var login = await CliProcess.RunAsync(Server, "--uid", uid.ToString(), "--token", token, "--json", "login");
        Assert.True(login.ExitCode == 0, login.ToString());

        var pushed = await CliProcess.RunAsync(Server, "admin", "push", uid.ToString(), "maintenance at noon");
        Assert.True(pushed.ExitCode == 0, pushed.ToString());
        var synced = await CliProcess.RunAsync(Server, "--uid", uid.ToString(), "--json", "sync", "--seq", "0");
        var p2p = Assert.Single(synced.Events, e => e.GetProperty("event").GetString() == "frame");
        Assert.Equal("P2P", p2p.GetProperty("cmd").GetString());
        Assert.Equal("maintenance at noon", p2p.GetProperty("data").GetString());

        var nodes = await CliProcess.RunAsync(Server, "--json", "admin", "nodes");
        Assert.Contains(nodes.Events[0].GetProperty("response").EnumerateArray(), n => n.GetProperty("nid").GetUInt32() == Server.Nid);

        var refused = await CliProcess.RunAsync(Server, "--admin-token", Server.Token(uid), "admin", "stats");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("(403)", refused.Stderr);
    }

    [Fact]
    public async Task Admin_export_and_erase_from_the_command_line()
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using (var client = await Server.LoginAsync("tcp", alice))
        {
            Assert.Equal(0u, (await client.ChatAsync(bob, "to be exported")).Code);
        }

        var file = Path.Combine(Path.GetTempPath(), $"export-{alice}.json");
        try
        {
            var exported = await CliProcess.RunAsync(Server, "admin", "export", alice.ToString(), "--out", file);
            Assert.True(exported.ExitCode == 0, exported.ToString());
            Assert.Contains("1 inbox entries", exported.Stdout);
            using var document = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(file));
            var entry = Assert.Single(document.RootElement.GetProperty("inbox").GetProperty("entries").EnumerateArray());
            Assert.Equal("to be exported", entry.GetProperty("body").GetProperty("text").GetString());
        }
        finally
        {
            File.Delete(file);
        }

        var unconfirmed = await CliProcess.RunAsync(Server, "admin", "erase", alice.ToString());
        Assert.NotEqual(0, unconfirmed.ExitCode);
        Assert.Contains("--yes", unconfirmed.Stderr);

        var erased = await CliProcess.RunAsync(Server, "--json", "admin", "erase", alice.ToString(), "--yes");
        Assert.True(erased.ExitCode == 0, erased.ToString());
        var response = erased.Events[0].GetProperty("response");
        Assert.Equal((1L, 1L), (response.GetProperty("inbox_entries").GetInt64(), response.GetProperty("tombstoned").GetInt64()));
    }

    [Fact]
    public async Task The_account_state_from_the_command_line()
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var bobClient = await Server.LoginAsync("tcp", bob);
        var a = alice.ToString();
        Assert.Equal(0, (await CliProcess.RunAsync(Server, "--uid", a, "friend", "add", bob.ToString(), "bobby")).ExitCode);
        Assert.Equal(0u, await bobClient.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = bob, Dest = alice, Mark = "" }));
        var fromBob = await bobClient.ChatAsync(alice, "are you there?");

        var contacts = await CliProcess.RunAsync(Server, "--uid", a, "--json", "contacts");
        Assert.True(contacts.ExitCode == 0, contacts.ToString());
        var contact = Assert.Single(contacts.Events[0].GetProperty("contacts").EnumerateArray());
        Assert.Equal((bob, "friend", "bobby"), (contact.GetProperty("uid").GetUInt64(), contact.GetProperty("relation")[0].GetString(), contact.GetProperty("mark").GetString()));

        var conversations = await CliProcess.RunAsync(Server, "--uid", a, "--json", "conversations");
        var conversation = Assert.Single(conversations.Events[0].GetProperty("conversations").EnumerateArray());
        Assert.Equal(("private", bob, 1u, "are you there?"), (conversation.GetProperty("kind").GetString(), conversation.GetProperty("id").GetUInt64(),
            conversation.GetProperty("unread").GetUInt32(), conversation.GetProperty("preview").GetString()));
        var seq = conversation.GetProperty("last_seq").GetUInt64().ToString();

        var read = await CliProcess.RunAsync(Server, "--uid", a, "--json", "read", bob.ToString(), seq);
        Assert.Equal(0u, read.Events[0].GetProperty("unread").GetUInt32());
        var bobsList = await CliProcess.RunAsync(Server, "--uid", bob.ToString(), "conversations");
        Assert.Contains($"with {alice}: 0 unread, read up to 0; they read up to {fromBob.Seq};", bobsList.Stdout);
        var tooFar = await CliProcess.RunAsync(Server, "--uid", a, "read", bob.ToString(), "999");
        Assert.Equal(2, tooFar.ExitCode);
        Assert.Contains("(20007)", tooFar.Stderr);

        var presence = await CliProcess.RunAsync(Server, "--uid", a, "--json", "presence", bob.ToString());
        Assert.True(presence.Events[0].GetProperty("online").GetBoolean(), presence.ToString());
        var stranger = await CliProcess.RunAsync(Server, "--uid", a, "presence", Ids.Next().ToString());
        Assert.Contains("(10005)", stranger.Stderr);

        var sent = await CliProcess.RunAsync(Server, "--uid", a, "--json", "send", bob.ToString(), "oops");
        var recalled = await CliProcess.RunAsync(Server, "--uid", a, "--json", "recall", bob.ToString(), sent.Events[0].GetProperty("seq").GetUInt64().ToString());
        Assert.True(recalled.ExitCode == 0, recalled.ToString());
        var notYours = await CliProcess.RunAsync(Server, "--uid", a, "recall", bob.ToString(), seq);
        Assert.Contains("(10005)", notYours.Stderr);
        // bob is told; the recalled message is the one after his own in his inbox.
        var notice = (await bobClient.ReceiveAsync(Cmd.RecallNtc)).As(RecallNtc.Parser);
        Assert.Equal((alice, fromBob.Seq + 1), (notice.Orig, notice.DestSeq));

        var receipts = await CliProcess.RunAsync(Server, "--uid", a, "--json", "receipts", "off");
        Assert.False(receipts.Events[0].GetProperty("receipts").GetBoolean());

        var gid = (await CliProcess.RunAsync(Server, "--uid", a, "--json", "group", "create", "ops")).Events[0].GetProperty("gid").GetUInt64().ToString();
        var info = await CliProcess.RunAsync(Server, "--uid", bob.ToString(), "--json", "group", "info", gid);
        Assert.Equal(("ops", alice, 1u, ""), (info.Events[0].GetProperty("name").GetString(), info.Events[0].GetProperty("owner").GetUInt64(),
            info.Events[0].GetProperty("members").GetUInt32(), info.Events[0].GetProperty("role").GetString()));
        var rid = (await CliProcess.RunAsync(Server, "--uid", a, "--json", "room", "create", "lobby")).Events[0].GetProperty("rid").GetUInt64().ToString();
        var room = await CliProcess.RunAsync(Server, "--uid", bob.ToString(), "--json", "room", "info", rid);
        Assert.Equal(("lobby", alice), (room.Events[0].GetProperty("name").GetString(), room.Events[0].GetProperty("owner").GetUInt64()));
    }
}
