using System.Text;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

[Collection(RoomServerCollection.Name)]
public sealed class RoomTests(RoomServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task The_whole_room_lifecycle(string transport)
    {
        await using var owner = await Server.LoginAsync(transport, Ids.Next());
        var rid = await owner.CreateRoomAsync();
        Assert.NotEqual(0UL, rid);
        var again = (await owner.RequestAsync(Cmd.RoomCreat, new RoomCreat { Uid = owner.Uid, Rid = rid, Name = "x", Desc = "" })).As(RoomCreatAck.Parser);
        Assert.Equal(ResultCode.AlreadyExists, again.Code);

        var people = new List<ImClient>();
        for (int i = 0; i < 4; i++)
        {
            people.Add(await Server.LoginAsync(i % 2 == 0 ? transport : "tcp", Ids.Next()));
        }

        await using var cleanup = new Disposer(people);
        var buckets = new List<uint>();
        foreach (var person in people)
        {
            var joined = await person.JoinRoomAsync(rid);
            Assert.Equal(0u, joined.Code);
            buckets.Add(joined.Gid);
        }

        Assert.Equal([1u, 1, 1, 2], buckets);
        Assert.Equal(ResultCode.AlreadyExists, (await people[0].JoinRoomAsync(rid)).Code);

        // ROOM-CHAT reaches the sender's bucket only.
        var chat = await people[0].RoomChatAsync(rid, "bucket one");
        Assert.Equal((0u, 1u), (chat.Code, chat.Gid));
        foreach (var peer in people.Skip(1).Take(2))
        {
            Assert.Equal("bucket one", (await peer.ReceiveAsync(Cmd.RoomChat)).As(RoomChat.Parser).Text);
        }

        await people[3].AssertNothingSentAsync(Cmd.RoomChat);
        await people[0].AssertNothingSentAsync(Cmd.RoomChat);

        // ROOM-BC reaches every bucket, and a joiner within the expiry gets it replayed.
        Assert.Equal(ResultCode.PermissionDenied, await people[0].BroadcastAsync(rid, [1], 60));
        Assert.Equal(0u, await owner.BroadcastAsync(rid, Encoding.UTF8.GetBytes("everyone"), 60));
        foreach (var person in people)
        {
            Assert.Equal("everyone", (await person.ReceiveAsync(Cmd.RoomBc)).As(RoomBc.Parser).Data.ToStringUtf8());
        }

        await using var late = await Server.LoginAsync(transport, Ids.Next());
        Assert.Equal(0u, (await late.JoinRoomAsync(rid)).Code);
        Assert.Equal("everyone", (await late.ReceiveAsync(Cmd.RoomBc)).As(RoomBc.Parser).Data.ToStringUtf8());
        var count = await owner.CountAsync(rid);
        Assert.Equal((0u, 5u, rid), (count.Code, count.Num, count.Rid));

        Assert.Equal(0u, await people[3].QuitRoomAsync(rid));
        Assert.Equal(ResultCode.NotMember, await people[3].QuitRoomAsync(rid));
        Assert.Equal(ResultCode.NotMember, (await people[3].RoomChatAsync(rid, "gone")).Code);

        // ROOM-KICK: the target leaves and is banned; everyone else hears of it.
        var victim = people[1];
        Assert.Equal(ResultCode.PermissionDenied, await CodeOfKickAsync(people[0], victim.Uid, rid));
        Assert.Equal(ResultCode.PermissionDenied, await CodeOfKickAsync(people[0], owner.Uid, rid));
        Assert.Equal(0u, await CodeOfKickAsync(owner, victim.Uid, rid));
        Assert.Equal(victim.Uid, (await victim.ReceiveAsync(Cmd.RoomKick)).As(RoomKick.Parser).Uid);
        Assert.Equal(victim.Uid, (await people[0].ReceiveAsync(Cmd.RoomKickNtc)).As(RoomKickNtc.Parser).Uid);
        Assert.Equal(ResultCode.Banned, (await victim.JoinRoomAsync(rid)).Code);
        Assert.Equal(3u, (await owner.CountAsync(rid)).Num);

        // ROOM-DISMISS: owner only; every session gets it and the room is gone.
        Assert.Equal(ResultCode.PermissionDenied, await CodeOfDismissAsync(people[0], rid));
        Assert.Equal(0u, await CodeOfDismissAsync(owner, rid));
        foreach (var member in new[] { people[0], people[2], late })
        {
            Assert.Equal(rid, (await member.ReceiveAsync(Cmd.RoomDismiss)).As(RoomDismiss.Parser).Rid);
        }

        Assert.Equal(ResultCode.NotFound, (await people[3].JoinRoomAsync(rid)).Code);
        Assert.Equal(ResultCode.NotFound, (await owner.CountAsync(rid)).Code);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Subscribed_sessions_get_join_and_quit_notices_and_head_counts_when_they_change(string transport)
    {
        await using var owner = await Server.LoginAsync(transport, Ids.Next());
        var rid = await owner.CreateRoomAsync();
        await using var watcher = await Server.LoginAsync(transport, Ids.Next());
        await using var quiet = await Server.LoginAsync(transport, Ids.Next());
        foreach (var cls in new[] { Cmd.RoomJoinNtc, Cmd.RoomQuitNtc, Cmd.RoomUsrNum })
        {
            Assert.Equal(0u, (await watcher.RequestAsync(Cmd.Sub, new Sub { Sub_ = cls })).As(SubAck.Parser).Code);
        }

        Assert.Equal(0u, (await watcher.JoinRoomAsync(rid)).Code);
        Assert.Equal(0u, (await quiet.JoinRoomAsync(rid)).Code);
        Assert.True((await watcher.ReceiveAsync(Cmd.RoomUsrNum)).As(RoomUsrNum.Parser).Num >= 1);

        await using var visitor = await Server.LoginAsync(transport, Ids.Next());
        Assert.Equal(0u, (await visitor.JoinRoomAsync(rid)).Code);
        // The quiet session's own JOIN-NTC may still be queued behind the first head count (the count's timer can
        // fire between the two joins); it is the only other notice allowed before the visitor's.
        var join = (await watcher.ReceiveAsync(Cmd.RoomJoinNtc)).As(RoomJoinNtc.Parser);
        if (join.Uid == quiet.Uid)
        {
            join = (await watcher.ReceiveAsync(Cmd.RoomJoinNtc)).As(RoomJoinNtc.Parser);
        }

        Assert.Equal((visitor.Uid, rid), (join.Uid, join.Rid));
        await Transports.EventuallyAsync(async () => (await watcher.ReceiveAsync(Cmd.RoomUsrNum)).As(RoomUsrNum.Parser).Num == 3, "a pushed head count of 3");

        await visitor.DisposeAsync();
        Assert.Equal(visitor.Uid, (await watcher.ReceiveAsync(Cmd.RoomQuitNtc)).As(RoomQuitNtc.Parser).Uid);
        await Transports.EventuallyAsync(async () => (await watcher.ReceiveAsync(Cmd.RoomUsrNum)).As(RoomUsrNum.Parser).Num == 2, "a pushed head count of 2");

        await quiet.AssertNothingSentAsync();
    }

    [Fact]
    public async Task After_300_joins_100_abrupt_disconnects_and_50_quits_the_head_count_is_150()
    {
        await using var owner = await Server.LoginAsync("tcp", Ids.Next());
        var rid = await owner.CreateRoomAsync();
        var sessions = new List<ImClient>();
        for (int i = 0; i < 300; i++)
        {
            var session = await Server.LoginAsync(i % 2 == 0 ? "tcp" : "ws", Ids.Next());
            Assert.Equal(0u, (await session.JoinRoomAsync(rid)).Code);
            sessions.Add(session);
        }

        Assert.Equal(300u, (await owner.CountAsync(rid)).Num);
        foreach (var session in sessions.Take(100))
        {
            await session.DisposeAsync();
        }

        foreach (var session in sessions.Skip(100).Take(50))
        {
            Assert.Equal(0u, await session.QuitRoomAsync(rid));
        }

        // Each QUIT was answered after the room let the session go: the count is exact at once, and stays.
        Assert.Equal(150u, (await owner.CountAsync(rid)).Num);
        await owner.AssertNothingSentAsync(Cmd.RoomQuitNtc);
        Assert.Equal(150u, (await owner.CountAsync(rid)).Num);
        await new Disposer(sessions.Skip(100).ToList()).DisposeAsync();
    }

    private static async Task<uint> CodeOfKickAsync(ImClient caller, ulong target, ulong rid) =>
        (await caller.RequestAsync(Cmd.RoomKick, new RoomKick { Uid = target, Rid = rid })).As(RoomKickAck.Parser).Code;

    private static async Task<uint> CodeOfDismissAsync(ImClient caller, ulong rid) =>
        (await caller.RequestAsync(Cmd.RoomDismiss, new RoomDismiss { Uid = caller.Uid, Rid = rid })).As(RoomDismissAck.Parser).Code;

    private sealed class Disposer(IReadOnlyList<ImClient> clients) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
