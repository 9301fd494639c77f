using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

[Collection(EmbeddedServerCollection.Name)]
public sealed class GroupDeliveryTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_group_message_reaches_every_online_session_of_every_member_with_the_group_seq(string transport)
    {
        var (ownerUid, memberUid) = (Ids.Next(), Ids.Next());
        await using var owner = await Server.LoginAsync(transport, ownerUid);
        await using var ownerOther = await Server.LoginAsync(transport == "tcp" ? "ws" : "tcp", ownerUid);
        await using var memberTcp = await Server.LoginAsync("tcp", memberUid);
        await using var memberWs = await Server.LoginAsync("ws", memberUid);
        var gid = await owner.CreateGroupAsync();
        Assert.Equal(0u, await memberTcp.GroupAsync(Cmd.GroupJoin, memberUid, gid));

        foreach (var session in new[] { owner, ownerOther, memberTcp, memberWs })
        {
            var join = await session.ReceiveAsync(Cmd.GroupJoinNtc);
            Assert.Equal((memberUid, gid, 1UL), (join.As(GroupJoinNtc.Parser).Uid, join.As(GroupJoinNtc.Parser).Gid, join.Header.Serial));
        }

        var ack = await owner.GroupChatAsync(gid, "hello group");
        Assert.Equal((0u, 2UL), (ack.Code, ack.Seq));
        foreach (var session in new[] { ownerOther, memberTcp, memberWs })
        {
            var frame = await session.ReceiveAsync(Cmd.GroupChat);
            var chat = frame.As(GroupChat.Parser);
            Assert.Equal((ownerUid, gid, "hello group", 2UL), (chat.Uid, chat.Gid, chat.Text, frame.Header.Serial));
        }

        await owner.AssertNothingSentAsync();

        // A retry with the same serial is neither stored nor delivered again.
        var serial = Ids.Next();
        var first = await memberWs.GroupChatAsync(gid, "once", serial);
        var again = await memberWs.GroupChatAsync(gid, "once", serial);
        Assert.Equal((0u, first.Seq), (again.Code, again.Seq));
        Assert.Equal("once", (await owner.ReceiveAsync(Cmd.GroupChat)).As(GroupChat.Parser).Text);
        await owner.AssertNothingSentAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Members_who_were_offline_get_exactly_the_entries_after_their_cursor(string transport)
    {
        var (ownerUid, memberUid) = (Ids.Next(), Ids.Next());
        await using var owner = await Server.LoginAsync(transport, ownerUid);
        var gid = await owner.CreateGroupAsync();
        await owner.GroupChatAsync(gid, "before the member joined");
        await using (var member = await Server.LoginAsync(transport, memberUid))
        {
            Assert.Equal(0u, await member.GroupAsync(Cmd.GroupJoin, memberUid, gid));
        }

        for (int i = 1; i <= 5; i++)
        {
            await owner.GroupChatAsync(gid, $"missed {i}");
        }

        await using var back = await Server.LoginAsync(transport, memberUid);
        var (ack, frames) = await back.SyncAsync();
        var group = frames.Where(f => f.Type is Cmd.GroupChat or Cmd.GroupJoinNtc).ToList();
        Assert.Equal([Cmd.GroupJoinNtc, Cmd.GroupChat, Cmd.GroupChat, Cmd.GroupChat, Cmd.GroupChat, Cmd.GroupChat], group.Select(f => f.Type));
        Assert.Equal([2UL, 3, 4, 5, 6, 7], group.Select(f => f.Header.Serial));
        Assert.Equal("missed 5", group[^1].As(GroupChat.Parser).Text);
        Assert.Equal((uint)frames.Count, ack.Count);

        // The last SYNC moved the group cursor: nothing again, unless the client names its own cursor.
        var (second, none) = await back.SyncAsync();
        Assert.DoesNotContain(none, f => f.Type == Cmd.GroupChat);
        var explicitCursor = new Sync { Uid = memberUid, Seq = 1_000_000 };
        explicitCursor.Groups.Add(new GroupCursor { Gid = gid, Seq = 5 });
        await back.SendAsync(Cmd.Sync, explicitCursor, serial: 99);
        Assert.Equal(6UL, (await back.ReceiveAsync(Cmd.GroupChat)).Header.Serial);
        Assert.Equal(7UL, (await back.ReceiveAsync(Cmd.GroupChat)).Header.Serial);
        Assert.Equal(2u, (await back.ReceiveAsync(Cmd.SyncAck)).As(SyncAck.Parser).Count);
    }

    [Fact]
    public async Task Creating_needs_a_free_gid_and_respects_the_quota()
    {
        await using var owner = await Server.LoginAsync("tcp", Ids.Next());
        var gid = await owner.CreateGroupAsync();
        var taken = (await owner.RequestAsync(Cmd.GroupCreat, new GroupCreat { Uid = owner.Uid, Gid = gid, Name = "x", Desc = "" })).As(GroupCreatAck.Parser);
        Assert.Equal(ResultCode.AlreadyExists, taken.Code);
        var spoof = (await owner.RequestAsync(Cmd.GroupCreat, new GroupCreat { Uid = owner.Uid + 1, Gid = 0 })).As(GroupCreatAck.Parser);
        Assert.Equal(ResultCode.PermissionDenied, spoof.Code);

        for (int i = 1; i < 100; i++)
        {
            await owner.CreateGroupAsync();
        }

        var over = (await owner.RequestAsync(Cmd.GroupCreat, new GroupCreat { Uid = owner.Uid, Gid = 0 })).As(GroupCreatAck.Parser);
        Assert.Equal(ResultCode.CapacityReached, over.Code);

        // Dismissing one frees a place.
        Assert.Equal(0u, await owner.GroupAsync(Cmd.GroupDimiss, owner.Uid, gid));
        Assert.NotEqual(0UL, await owner.CreateGroupAsync());
    }
}
