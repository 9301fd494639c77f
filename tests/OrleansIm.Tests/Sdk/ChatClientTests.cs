using Microsoft.Extensions.DependencyInjection;
using System.Threading.Channels;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.Sdk;

/// <summary>
/// The .NET SDK (<see cref="ChatClient"/>) against a running gateway: the typed calls, refusals as
/// <see cref="ImException"/> with the protocol code, a cut connection with requests pending, and a server restart in
/// the middle of a stream, with every message delivered once and in order through the SDK's own resend and SYNC.
/// </summary>
public sealed class ChatClientTests(ITestOutputHelper log)
{
    private static ChatClientOptions Options(ImServer server, ulong uid, ChatTransport transport, int? tcpPort = null) => new()
    {
        Server = server.HttpUri,
        Uid = uid,
        TokenProvider = _ => ValueTask.FromResult(server.Token(uid)),
        Transport = transport,
        TcpPort = tcpPort ?? server.TcpPort,
        TcpHost = "127.0.0.1",
        SyncFrom = 0,
        RequestTimeout = TimeSpan.FromSeconds(5),
        ReconnectMin = TimeSpan.FromMilliseconds(100),
        ReconnectMax = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task Every_typed_call_works_and_refusals_carry_their_code()
    {
        await using var server = await ImServer.StartAsync();
        ulong aliceUid = Ids.Next(), bobUid = Ids.Next();
        await using var alice = await ChatClient.ConnectAsync(Options(server, aliceUid, ChatTransport.WebSocket));
        await using var bob = await ChatClient.ConnectAsync(Options(server, bobUid, ChatTransport.Tcp));

        // Private chat, delivered as an event with its seq.
        var seq = await alice.SendChatAsync(bobUid, "hello bob");
        var received = await NextAsync<PrivateMessage>(bob);
        Assert.Equal(("hello bob", aliceUid, 1UL), (received.Message.Text, received.Message.Orig, received.Seq));
        await alice.TypingAsync(bobUid);
        Assert.Equal(Cmd.TypingNtc, (await NextAsync<LiveNotice>(bob, n => n.Command == Cmd.TypingNtc)).Command);
        Assert.Equal(0u, await bob.MarkReadAsync(ConversationKind.Private, aliceUid, received.Seq));
        await bob.MarkDeliveredAsync(aliceUid, received.Seq);
        await alice.RecallAsync(bobUid, seq);
        Assert.Equal(Cmd.RecallNtc, (await NextAsync<InboxNotice>(bob)).Command);

        // Contacts.
        await alice.AddFriendAsync(bobUid, "bobby");
        await bob.AddFriendAsync(aliceUid);
        await alice.SetMarkAsync(bobUid, "robert");
        var contacts = await alice.GetContactsAsync();
        var bobContact = Assert.Single(contacts.Contacts);
        Assert.Equal((bobUid, true, "robert"), (bobContact.Uid, bobContact.Friend, bobContact.Mark));
        await alice.SetMarkAsync(bobUid, null);
        await alice.SetGaggedAsync(bobUid, true);
        await alice.SetGaggedAsync(bobUid, false);
        Assert.False(await alice.SetReceiptsAsync(false));
        Assert.True(await alice.SetReceiptsAsync(true));
        var presence = await alice.GetPresenceAsync([bobUid]);
        Assert.True(Assert.Single(presence).Online);
        await alice.SubscribeAsync(Cmd.OnlineNtc);
        await alice.UnsubscribeAsync(Cmd.OnlineNtc);
        Assert.Contains((await bob.GetConversationsAsync()).Conversations, c => c.Id == aliceUid);

        // Refusals surface as ImException with the protocol's code.
        await bob.SetBlacklistedAsync(aliceUid, true);
        var refused = await Assert.ThrowsAsync<ImException>(() => alice.SendChatAsync(bobUid, "blocked"));
        Assert.Equal((ResultCode.Blacklisted, Cmd.Chat), (refused.Code, refused.Command));
        await bob.SetBlacklistedAsync(aliceUid, false);
        Assert.Equal(ResultCode.NotFound, (await Assert.ThrowsAsync<ImException>(() => alice.GetGroupInfoAsync(Ids.Next()))).Code);
        await alice.RemoveFriendAsync(bobUid);

        // Groups.
        var gid = await alice.CreateGroupAsync("team", "the team");
        await alice.InviteToGroupAsync(gid, bobUid);
        var groupSeq = await alice.SendGroupChatAsync(gid, "hello team");
        var groupMessage = await NextAsync<GroupMessage>(bob, m => m.Message.Text == "hello team");
        Assert.Equal((gid, groupSeq), (groupMessage.Gid, groupMessage.Seq));
        await alice.SetGroupManagerAsync(gid, bobUid, true);
        await alice.SetGroupManagerAsync(gid, bobUid, false);
        await alice.SetGaggedInGroupAsync(gid, bobUid, true);
        Assert.Equal(ResultCode.Gagged, (await Assert.ThrowsAsync<ImException>(() => bob.SendGroupChatAsync(gid, "muted"))).Code);
        await alice.SetGaggedInGroupAsync(gid, bobUid, false);
        await alice.SetGroupInfoAsync(gid, "renamed", null);
        Assert.Equal(("renamed", 2u), ((await bob.GetGroupInfoAsync(gid)).Name, (await bob.GetGroupInfoAsync(gid)).Members));
        Assert.Equal(2u, (await alice.GetGroupMembersAsync(gid)).Total);
        await alice.GroupTypingAsync(gid);
        await alice.RecallGroupMessageAsync(gid, groupSeq);
        await alice.KickFromGroupAsync(gid, bobUid);
        await alice.SetBannedFromGroupAsync(gid, bobUid, true);
        Assert.Equal(ResultCode.Banned, (await Assert.ThrowsAsync<ImException>(() => bob.JoinGroupAsync(gid))).Code);
        await alice.SetBannedFromGroupAsync(gid, bobUid, false);
        await bob.JoinGroupAsync(gid);
        await bob.QuitGroupAsync(gid);
        await alice.DismissGroupAsync(gid);

        // Rooms.
        var rid = await alice.CreateRoomAsync("lobby");
        Assert.Equal(1u, await alice.JoinRoomAsync(rid));
        await bob.JoinRoomAsync(rid);
        await alice.SendRoomChatAsync(rid, "hi room");
        Assert.Equal("hi room", (await NextAsync<RoomMessage>(bob)).Message.Text);
        await alice.BroadcastToRoomAsync(rid, "news"u8.ToArray(), 60);
        Assert.Equal(2u, await alice.GetRoomCountAsync(rid));
        Assert.Equal("lobby", (await alice.GetRoomInfoAsync(rid)).Name);
        await alice.KickFromRoomAsync(rid, bobUid);
        await alice.QuitRoomAsync(rid);
        await alice.DismissRoomAsync(rid);
    }

    [Fact]
    public async Task A_bad_token_fails_the_connect_with_the_login_code()
    {
        await using var server = await ImServer.StartAsync();
        var options = Options(server, Ids.Next(), ChatTransport.Tcp);
        options.TokenProvider = _ => ValueTask.FromResult("not a token");
        var refused = await Assert.ThrowsAsync<ImException>(() => ChatClient.ConnectAsync(options));
        Assert.Equal(ResultCode.LoginFailed, refused.Code);
    }

    [Fact]
    public async Task Disposing_while_a_request_of_the_login_waits_for_its_reply_ends_quietly()
    {
        // A gateway of the test's own that answers ONLINE and nothing else: the client's SUB after login waits for
        // a reply that never comes, and the client is disposed meanwhile. The request times out after the stop;
        // disposing must not throw that timeout (it did, in a test that restarts the server, under load).
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var subSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            var header = new byte[FrameHeader.Size];
            while (true)
            {
                if (!await ReadExactlyAsync(socket, header))
                {
                    return;
                }

                var type = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(FrameHeader.TypeOffset));
                var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(FrameHeader.LengthOffset));
                var body = new byte[length];
                if (!await ReadExactlyAsync(socket, body))
                {
                    return;
                }

                var serial = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(FrameHeader.SerialOffset));
                if (type == Cmd.Online)
                {
                    var online = Online.Parser.ParseFrom(body);
                    var ack = new OnlineAck { Uid = online.Uid, Sid = 7, App = online.App, Version = online.Version, Code = 0, Errmsg = "", Heartbeat = 30 };
                    await socket.SendAsync(FrameWriter.Encode(Cmd.OnlineAck, FrameHeader.FlagSystem, 7, 1, serial, ack));
                }
                else if (type == Cmd.Sub)
                {
                    subSeen.TrySetResult();
                }
            }
        });

        var options = new ChatClientOptions
        {
            Server = new Uri("http://127.0.0.1/"),
            Uid = Ids.Next(),
            TokenProvider = _ => ValueTask.FromResult("any"),
            Transport = ChatTransport.Tcp,
            TcpHost = "127.0.0.1",
            TcpPort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port,
            Subscriptions = [Cmd.OnlineNtc],
            RequestTimeout = TimeSpan.FromMilliseconds(500),
        };
        using var giveUp = new CancellationTokenSource();
        var connecting = ChatClient.ConnectAsync(options, giveUp.Token);
        await subSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The login is not served yet (its SUB waits): giving up disposes the client while the SUB still waits, and
        // its timeout then comes after the stop. The caller sees its own cancellation, nothing else.
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(10)));
        listener.Stop();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<bool> ReadExactlyAsync(System.Net.Sockets.Socket socket, byte[] buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read));
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    [Fact]
    public async Task Connecting_to_nothing_waits_until_cancelled_and_disposing_logs_out()
    {
        await using var server = await ImServer.StartAsync();
        var nowhere = Options(server, Ids.Next(), ChatTransport.Tcp, FreePorts.Take(1)[0]);
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ChatClient.ConnectAsync(nowhere, patience.Token));
        }

        ulong aliceUid = Ids.Next(), bobUid = Ids.Next();
        await using var bob = await ChatClient.ConnectAsync(Options(server, bobUid, ChatTransport.Tcp));
        var alice = await ChatClient.ConnectAsync(Options(server, aliceUid, ChatTransport.WebSocket));
        await alice.AddFriendAsync(bobUid);
        await bob.AddFriendAsync(aliceUid);
        Assert.True(Assert.Single(await bob.GetPresenceAsync([aliceUid])).Online);
        await alice.DisposeAsync();
        Assert.Equal(ConnectionState.Closed, alice.State);
        Assert.False(Assert.Single(await bob.GetPresenceAsync([aliceUid])).Online);
        Assert.Equal(0u, (await Assert.ThrowsAsync<ImException>(() => alice.SendChatAsync(bobUid, "after"))).Code);
    }

    [Fact]
    public async Task A_first_login_refused_because_the_server_is_busy_is_tried_again_and_succeeds()
    {
        await using var server = await ImServer.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:MaxConcurrentLogins"] = "1",
            ["Gateway:LoginQueueWait"] = "00:00:00.200",
        });
        var admission = server.Services.GetRequiredService<OrleansIm.Gateway.Sessions.Admission>();
        Assert.True(await admission.EnterLoginAsync());

        var options = Options(server, Ids.Next(), ChatTransport.Tcp);
        var connecting = ChatClient.ConnectAsync(options);

        // Each attempt waits 200 ms for the slot and is refused with 10002; the client keeps trying (it gave up with
        // the first refusal before).
        await Task.Delay(1500);
        Assert.False(connecting.IsCompleted, connecting.Exception?.ToString());

        admission.LeaveLogin();
        await using var client = await connecting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task With_the_iplist_it_finds_a_gateway_the_settings_do_not_name()
    {
        await using var server = await ImServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.HttpUri };
        var listed = await http.GetStringAsync("/api/iplist?type=tcp");
        Assert.Contains($":{server.TcpPort}", listed);

        ulong aliceUid = Ids.Next(), bobUid = Ids.Next();
        var options = Options(server, aliceUid, ChatTransport.Tcp, tcpPort: FreePorts.Take(1)[0]);
        options.UseIpList = true;
        options.FirstConnectAttempts = 1;
        await using var alice = await ChatClient.ConnectAsync(options);
        await using var bob = await ChatClient.ConnectAsync(Options(server, bobUid, ChatTransport.WebSocket));
        await alice.SendChatAsync(bobUid, "found you");
        Assert.Equal("found you", (await NextAsync<PrivateMessage>(bob)).Message.Text);
    }

    [Fact]
    public async Task A_cut_connection_with_requests_pending_loses_and_repeats_nothing()
    {
        await using var server = await ImServer.StartAsync(new Dictionary<string, string?> { ["Gateway:RequestsPerSecond"] = "100000", ["Gateway:RequestBurst"] = "100000" });
        await using var proxy = new TcpProxy(server.TcpPort);
        ulong aliceUid = Ids.Next(), bobUid = Ids.Next();
        await using var alice = await ChatClient.ConnectAsync(Options(server, aliceUid, ChatTransport.Tcp, proxy.Port));
        await using var bob = await ChatClient.ConnectAsync(Options(server, bobUid, ChatTransport.WebSocket));

        const int Count = 300;
        var sends = new List<Task<ulong>>();
        for (int i = 0; i < Count; i++)
        {
            sends.Add(alice.SendChatAsync(bobUid, $"m{i}"));
            if (i == Count / 3)
            {
                proxy.Down();
                proxy.Up();
            }
        }

        var seqs = await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Count, seqs.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"m{i}"), await TextsAsync(bob, Count));
    }

    [Fact]
    public async Task A_server_restart_in_the_middle_of_a_stream_delivers_every_message_once_and_in_order()
    {
        var database = await PostgresServers.NewDatabaseAsync();
        var ports = FreePorts.Take(2);
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:HttpPort"] = ports[0].ToString(),
            ["Gateway:TcpPort"] = ports[1].ToString(),
            ["Gateway:RequestsPerSecond"] = "100000",
            ["Gateway:RequestBurst"] = "100000",
        };
        var server = await PostgresServers.StartAsync(database, settings);
        ulong aliceUid = Ids.Next(), bobUid = Ids.Next();

        // Tokens come from whichever server is running (a stopped one's services are gone).
        ChatClientOptions Reconnecting(ulong uid, ChatTransport transport)
        {
            var options = Options(server, uid, transport);
            options.TokenProvider = _ => ValueTask.FromResult(server.Token(uid));
            return options;
        }

        await using var alice = await ChatClient.ConnectAsync(Reconnecting(aliceUid, ChatTransport.Tcp));
        await using var bob = await ChatClient.ConnectAsync(Reconnecting(bobUid, ChatTransport.WebSocket));

        const int Count = 200;
        var sends = new List<Task<ulong>>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < Count; i++)
        {
            sends.Add(alice.SendChatAsync(bobUid, $"m{i}"));
            if (i == Count / 2)
            {
                await server.StopAsync();
                server = await PostgresServers.StartAsync(database, settings);
            }
        }

        try
        {
            try
            {
                await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                Assert.Fail($"after 60 s {sends.Count(t => t.IsCompletedSuccessfully)} of {Count} sends were acknowledged; alice is {alice.State}, bob is {bob.State}; " +
                    string.Join(", ", sends.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!.Message).Distinct()));
            }

            var seqs = await Task.WhenAll(sends);
            Assert.Equal(Count, seqs.Distinct().Count());
            Assert.Equal(Enumerable.Range(0, Count).Select(i => $"m{i}"), await TextsAsync(bob, Count));
            log.WriteLine($"{Count} messages across a restart, all acknowledged and delivered once in order after {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await server.StopAsync();
        }
    }

    /// <summary>The texts of the next <paramref name="count"/> private messages, failing on a repeat seq.</summary>
    private static async Task<List<string>> TextsAsync(ChatClient client, int count)
    {
        var texts = new List<string>();
        var seqs = new HashSet<ulong>();
        while (texts.Count < count)
        {
            var message = await NextAsync<PrivateMessage>(client, timeout: TimeSpan.FromSeconds(60));
            Assert.True(seqs.Add(message.Seq), $"seq {message.Seq} delivered twice");
            texts.Add(message.Message.Text);
        }

        return texts;
    }

    private static async Task<T> NextAsync<T>(ChatClient client, Func<T, bool>? match = null, TimeSpan? timeout = null) where T : ChatEvent
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                var e = await client.Events.ReadAsync(cts.Token);
                if (e is T wanted && (match is null || match(wanted)))
                {
                    return wanted;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {typeof(T).Name} arrived");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"the client closed before a {typeof(T).Name} arrived");
        }
    }
}
