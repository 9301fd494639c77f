using Microsoft.Extensions.DependencyInjection;
using Google.Protobuf;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

/// <summary>Limits on connections and logins, and requests made in someone else's name.</summary>
public sealed class AbuseTests
{
    private static async Task<ReceivedFrame> RefusalAsync(ImClient client)
    {
        var frame = await client.ReceiveAsync(TimeSpan.FromSeconds(10));
        Assert.True(await client.WaitClosedAsync(TimeSpan.FromSeconds(10)), "the refused connection was not closed");
        return frame;
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("ws")]
    public async Task A_node_at_its_connection_limit_refuses_with_10002_and_admits_again_when_one_leaves(string transport)
    {
        await using var server = await ImServer.StartAsync(new Dictionary<string, string?> { ["Gateway:MaxConnections"] = "3" });
        var held = new List<ImClient>();
        for (var i = 0; i < 3; i++)
        {
            held.Add(await server.LoginAsync(transport, Ids.Next()));
        }

        await using var extra = await server.ConnectAsync(transport);
        var refusal = await RefusalAsync(extra);
        Assert.Equal(Cmd.Except, refusal.Type);
        var except = refusal.As(Except.Parser);
        Assert.Equal(ResultCode.Unavailable, except.Code);
        Assert.Equal("this node is at its connection limit", except.Errmsg);

        // The sessions already in are untouched; when one leaves, a newcomer gets in.
        var ack = await held[0].ChatAsync(held[1].Uid, "still here");
        Assert.Equal(0u, ack.Code);
        await held[2].DisposeAsync();
        await Transports.EventuallyAsync(async () =>
        {
            await using var again = await server.ConnectAsync(transport);
            var uid = Ids.Next();
            try
            {
                return (await again.LoginAsync(uid, server.Token(uid))).Code == 0;
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or TimeoutException)
            {
                // Refused again: the closed connection was not released yet.
                return false;
            }
        }, "a connection admitted after one closed", TimeSpan.FromSeconds(30)); // each try is a login, slow on a loaded machine
        foreach (var client in held.Take(2))
        {
            await client.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("ws")]
    public async Task Connections_beyond_the_per_address_limit_are_refused(string transport)
    {
        await using var server = await ImServer.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:MaxConnectionsPerAddress"] = "2",
            ["Gateway:LimitLoopback"] = "true",
        });
        await using var a = await server.ConnectAsync(transport);
        await using var b = await server.ConnectAsync(transport);
        await using var c = await server.ConnectAsync(transport);
        var except = (await RefusalAsync(c)).As(Except.Parser);
        Assert.Equal(ResultCode.Unavailable, except.Code);
        Assert.Equal("too many connections from this address", except.Errmsg);
        var uid = Ids.Next();
        Assert.Equal(0u, (await a.LoginAsync(uid, server.Token(uid))).Code);
    }

    [Fact]
    public async Task Loopback_is_exempt_from_the_per_address_limits_unless_configured()
    {
        await using var server = await ImServer.StartAsync(new Dictionary<string, string?> { ["Gateway:MaxConnectionsPerAddress"] = "1" });
        await using var a = await server.LoginAsync("tcp", Ids.Next());
        await using var b = await server.LoginAsync("tcp", Ids.Next());
        Assert.Equal(0u, (await a.ChatAsync(b.Uid, "both in")).Code);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("ws")]
    public async Task Logins_faster_than_the_per_address_rate_get_10023_and_later_ones_succeed(string transport)
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var server = await ImServer.StartAsync(clock: clock, settings: new Dictionary<string, string?>
        {
            ["Gateway:LoginsPerSecondPerAddress"] = "2",
            ["Gateway:LoginBurstPerAddress"] = "3",
            ["Gateway:LimitLoopback"] = "true",
        });
        var codes = new List<uint>();
        for (var i = 0; i < 5; i++)
        {
            await using var client = await server.ConnectAsync(transport);
            var uid = Ids.Next();
            var ack = await client.LoginAsync(uid, server.Token(uid));
            codes.Add(ack.Code);
            if (ack.Code == ResultCode.RateLimited)
            {
                Assert.True(await client.WaitClosedAsync(TimeSpan.FromSeconds(10)));
            }
        }

        // The clock stands still: the burst of three, then nothing.
        Assert.Equal([0u, 0u, 0u, ResultCode.RateLimited, ResultCode.RateLimited], codes);

        clock.Advance(TimeSpan.FromSeconds(1));
        await using var later = await server.ConnectAsync(transport);
        var laterUid = Ids.Next();
        Assert.Equal(0u, (await later.LoginAsync(laterUid, server.Token(laterUid))).Code);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("ws")]
    public async Task A_login_that_finds_every_login_slot_busy_for_the_queue_wait_gets_10002_and_a_close(string transport)
    {
        await using var server = await ImServer.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:MaxConcurrentLogins"] = "1",
            ["Gateway:LoginQueueWait"] = "00:00:00.500",
        });
        var admission = server.Services.GetRequiredService<OrleansIm.Gateway.Sessions.Admission>();

        // The only slot taken, as by a login that takes long.
        Assert.True(await admission.EnterLoginAsync());
        await using (var refused = await server.ConnectAsync(transport))
        {
            var uid = Ids.Next();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var ack = await refused.LoginAsync(uid, server.Token(uid));
            Assert.Equal(ResultCode.Unavailable, ack.Code);
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(450), $"refused after {clock.Elapsed.TotalMilliseconds} ms, before the queue wait");
            Assert.True(await refused.WaitClosedAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(1, admission.LoginsInProgress);
        }

        // A login that waits in the queue gets the slot when it comes free within the wait.
        await using var queued = await server.ConnectAsync(transport);
        var queuedUid = Ids.Next();
        var login = queued.LoginAsync(queuedUid, server.Token(queuedUid));
        await Task.Delay(150);
        Assert.False(login.IsCompleted);
        admission.LeaveLogin();
        Assert.Equal(0u, (await login).Code);

        // And every slot is free again once logins are done.
        await using var next = await server.LoginAsync(transport, Ids.Next());
        Assert.Equal(0, admission.LoginsInProgress);
    }

    /// <summary>Every command whose body names the caller (the "self" uid), with someone else's uid in it.</summary>
    public static TheoryData<string> SelfCommands => new()
    {
        "SYNC", "ALLOC-SEQ", "CHAT", "FRIEND-ADD", "FRIEND-DEL", "BLACKLIST-ADD", "BLACKLIST-DEL", "GAG-ADD", "GAG-DEL",
        "MARK-ADD", "MARK-DEL", "GROUP-CREAT", "GROUP-DIMISS", "GROUP-JOIN", "GROUP-QUIT", "GROUP-INVITE", "GROUP-CHAT",
        "ROOM-CREAT", "ROOM-DISMISS", "ROOM-JOIN", "ROOM-QUIT", "ROOM-CHAT",
    };

    [Theory]
    [MemberData(nameof(SelfCommands))]
    public async Task A_request_in_someone_elses_name_gets_10005_and_changes_nothing(string name)
    {
        await using var server = await ImServer.StartAsync();
        ulong victim = Ids.Next(), stranger = Ids.Next();
        await using var owner = await server.LoginAsync("tcp", victim);
        var gid = await owner.CreateGroupAsync();
        var rid = await owner.CreateRoomAsync();
        Assert.Equal(0u, (await owner.JoinRoomAsync(rid)).Code);
        await using var impostor = await server.LoginAsync("tcp", Ids.Next());

        IMessage body = name switch
        {
            "SYNC" => new Sync { Uid = victim, Seq = 0 },
            "ALLOC-SEQ" => new AllocSeq { Uid = victim, Num = 5 },
            "CHAT" => new Chat { Orig = victim, Dest = stranger, Level = 1, Time = 1, Text = "forged" },
            "FRIEND-ADD" => new FriendAdd { Orig = victim, Dest = stranger, Mark = "" },
            "FRIEND-DEL" => new FriendDel { Orig = victim, Dest = stranger },
            "BLACKLIST-ADD" => new BlacklistAdd { Orig = victim, Dest = stranger },
            "BLACKLIST-DEL" => new BlacklistDel { Orig = victim, Dest = stranger },
            "GAG-ADD" => new GagAdd { Orig = victim, Dest = stranger },
            "GAG-DEL" => new GagDel { Orig = victim, Dest = stranger },
            "MARK-ADD" => new MarkAdd { Orig = victim, Dest = stranger, Mark = "x" },
            "MARK-DEL" => new MarkDel { Orig = victim, Dest = stranger },
            "GROUP-CREAT" => new GroupCreat { Uid = victim, Gid = 0 },
            "GROUP-DIMISS" => new GroupDimiss { Uid = victim, Gid = gid },
            "GROUP-JOIN" => new GroupJoin { Uid = victim, Gid = gid },
            "GROUP-QUIT" => new GroupQuit { Uid = victim, Gid = gid },
            "GROUP-INVITE" => new GroupInvite { Uid = victim, Gid = gid, To = stranger },
            "GROUP-CHAT" => new GroupChat { Uid = victim, Gid = gid, Level = 1, Time = 1, Text = "forged" },
            "ROOM-CREAT" => new RoomCreat { Uid = victim, Rid = 0, Name = "x", Desc = "" },
            "ROOM-DISMISS" => new RoomDismiss { Uid = victim, Rid = rid },
            "ROOM-JOIN" => new RoomJoin { Uid = victim, Rid = rid },
            "ROOM-QUIT" => new RoomQuit { Uid = victim, Rid = rid },
            "ROOM-CHAT" => new RoomChat { Uid = victim, Rid = rid, Gid = 1, Level = 1, Time = 1, Text = "forged" },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        var cmd = CommandTable.All.Single(c => c.Name == name).Id;
        var reply = await impostor.RequestAsync(cmd, body);
        Assert.Equal(cmd + 1, reply.Type);
        var ack = (IMessage)CommandTable.Find(cmd + 1)!.Parser!.ParseFrom(reply.Body);
        Assert.Equal(ResultCode.PermissionDenied, (uint)ack.Descriptor.FindFieldByName("code").Accessor.GetValue(ack));

        // Nothing happened in the victim's name: no inbox entries, no serials taken, the group and room unchanged.
        var (sync, frames) = await owner.SyncAsync(0);
        Assert.Equal(0u, sync.Seq);
        Assert.DoesNotContain(frames, f => f.Type == Cmd.GroupChat || f.Type == Cmd.GroupDimiss);
        var alloc = (await owner.RequestAsync(Cmd.AllocSeq, new AllocSeq { Uid = victim, Num = 1 })).As(AllocSeqAck.Parser);
        Assert.Equal(0ul, alloc.Seq);
        var members = await owner.ListAsync(gid);
        Assert.Equal(1u, members.Total);
        Assert.Equal(1u, (await owner.CountAsync(rid)).Num);
    }
}
