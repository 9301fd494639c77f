using Google.Protobuf;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

/// <summary>
/// Requests sent back to back without waiting for replies: every one is answered once, and those on the same target
/// take effect in send order.
/// </summary>
[Collection(PipelineServerCollection.Name)]
public sealed class PipeliningTests(PipelineServerFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private ImServer Server => fixture.Server;

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Ten_thousand_pipelined_chats_arrive_in_send_order_with_gap_free_seqs(string transport)
    {
        const int Count = 10_000;
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var sender = await Server.LoginAsync(transport, alice);
        await using var receiver = await Server.LoginAsync(transport, bob);
        var firstSerial = Ids.Next() * 100_000;

        var received = receiver.ReceiveFramesAsync(Cmd.Chat, Count, Patience);
        var acks = sender.ReceiveFramesAsync(Cmd.ChatAck, Count, Patience);
        for (int i = 1; i <= Count; i++)
        {
            await sender.SendAsync(Cmd.Chat, new Chat { Orig = alice, Dest = bob, Level = 0, Time = 1, Text = $"m{i}" }, firstSerial + (ulong)i);
        }

        var delivered = await received;
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (ulong)i), delivered.Select(f => f.Header.Serial));
        Assert.Equal(Enumerable.Range(1, Count).Select(i => $"m{i}"), delivered.Select(f => f.As(Chat.Parser).Text));

        // The ACKs may come in any order across targets, but here there is one target: the sender's copies are
        // in send order too, seq i for the i-th message.
        var answered = await acks;
        Assert.All(answered, f => Assert.Equal(0u, f.As(ChatAck.Parser).Code));
        Assert.Equal(
            Enumerable.Range(1, Count).Select(i => (firstSerial + (ulong)i, (ulong)i)).ToHashSet(),
            answered.Select(f => (f.Header.Serial, f.As(ChatAck.Parser).Seq)).ToHashSet());

        var (syncAck, replay) = await receiver.SyncAsync(seq: Count - 5, timeout: Patience);
        Assert.Equal((ulong)Count, syncAck.Seq);
        Assert.Equal(["m9996", "m9997", "m9998", "m9999", "m10000"], replay.Select(f => f.As(Chat.Parser).Text));
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_join_then_a_chat_sent_together_are_applied_in_order(string transport)
    {
        const int Groups = 40;
        var (owner, joiner) = (Ids.Next(), Ids.Next());
        await using var ownerClient = await Server.LoginAsync("tcp", owner);
        await using var joinerClient = await Server.LoginAsync(transport, joiner);
        var gids = new List<ulong>();
        for (int i = 0; i < Groups; i++)
        {
            gids.Add(await ownerClient.CreateGroupAsync());
        }

        var serial = Ids.Next() * 1000;
        var chats = new Dictionary<ulong, ulong>();
        foreach (var gid in gids)
        {
            await joinerClient.SendAsync(Cmd.GroupJoin, new GroupJoin { Uid = joiner, Gid = gid }, ++serial);
            await joinerClient.SendAsync(Cmd.GroupChat, new GroupChat { Uid = joiner, Gid = gid, Level = 0, Time = 1, Text = "first words" }, ++serial);
            chats[serial] = gid;
        }

        var answers = await joinerClient.ReceiveFramesAsync(Cmd.GroupChatAck, Groups, Patience);
        Assert.All(answers, f => Assert.Equal(0u, f.As(GroupChatAck.Parser).Code));
        Assert.Equal(chats.Keys.ToHashSet(), answers.Select(f => f.Header.Serial).ToHashSet());
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_mixed_pipelined_burst_of_every_request_gets_one_reply_each(string transport)
    {
        var (me, peer, outsider) = (Ids.Next(), Ids.Next(), Ids.Next());
        await using var peerClient = await Server.LoginAsync("tcp", peer);
        var gid = await peerClient.CreateGroupAsync();
        var rid = await peerClient.CreateRoomAsync();
        await using var client = await Server.LoginAsync(transport, me);

        var requests = new List<(uint Cmd, IMessage? Body, uint[] Replies)>
        {
            (Cmd.Ping, null, [Cmd.Pong]),
            (Cmd.Sub, new Sub { Sub_ = Cmd.OnlineNtc }, [Cmd.SubAck]),
            (Cmd.Unsub, new Unsub { Sub = Cmd.OnlineNtc }, [Cmd.UnsubAck]),
            (Cmd.AllocSeq, new AllocSeq { Uid = me, Num = 10 }, [Cmd.AllocSeqAck]),
            (Cmd.Chat, new Chat { Orig = me, Dest = peer, Level = 0, Time = 1, Text = "hi" }, [Cmd.ChatAck]),
            (Cmd.Chat, new Chat { Orig = outsider, Dest = peer, Level = 0, Time = 1, Text = "not me" }, [Cmd.ChatAck]),
            (Cmd.FriendAdd, new FriendAdd { Orig = me, Dest = peer, Mark = "p" }, [Cmd.FriendAddAck]),
            (Cmd.MarkAdd, new MarkAdd { Orig = me, Dest = peer, Mark = "peer" }, [Cmd.MarkAddAck]),
            (Cmd.MarkDel, new MarkDel { Orig = me, Dest = peer }, [Cmd.MarkDelAck]),
            (Cmd.GagAdd, new GagAdd { Orig = me, Dest = outsider }, [Cmd.GagAddAck]),
            (Cmd.GagDel, new GagDel { Orig = me, Dest = outsider }, [Cmd.GagDelAck]),
            (Cmd.BlacklistAdd, new BlacklistAdd { Orig = me, Dest = outsider }, [Cmd.BlacklistAddAck]),
            (Cmd.BlacklistDel, new BlacklistDel { Orig = me, Dest = outsider }, [Cmd.BlacklistDelAck]),
            (Cmd.FriendDel, new FriendDel { Orig = me, Dest = peer }, [Cmd.FriendDelAck]),
            (Cmd.Sync, new Sync { Uid = me }, [Cmd.SyncAck]),
            (Cmd.GroupJoin, new GroupJoin { Uid = me, Gid = gid }, [Cmd.GroupJoinAck]),
            (Cmd.GroupChat, new GroupChat { Uid = me, Gid = gid, Level = 0, Time = 1, Text = "hello group" }, [Cmd.GroupChatAck]),
            (Cmd.GroupUsrList, new GroupUsrList { Gid = gid, Num = 0 }, [Cmd.GroupUsrListAck]),
            (Cmd.GroupInvite, new GroupInvite { Uid = me, Gid = gid, To = outsider }, [Cmd.GroupInviteAck]),
            (Cmd.GroupKick, new GroupKick { Uid = outsider, Gid = gid }, [Cmd.GroupKickAck]),
            (Cmd.GroupGagAdd, new GroupGagAdd { Uid = peer, Gid = gid }, [Cmd.GroupGagAddAck]),
            (Cmd.GroupGagDel, new GroupGagDel { Uid = peer, Gid = gid }, [Cmd.GroupGagDelAck]),
            (Cmd.GroupBlAdd, new GroupBlAdd { Uid = outsider, Gid = gid }, [Cmd.GroupBlAddAck]),
            (Cmd.GroupBlDel, new GroupBlDel { Uid = outsider, Gid = gid }, [Cmd.GroupBlDelAck]),
            (Cmd.GroupMgrAdd, new GroupMgrAdd { Uid = outsider, Gid = gid }, [Cmd.GroupMgrAddAck]),
            (Cmd.GroupMgrDel, new GroupMgrDel { Uid = outsider, Gid = gid }, [Cmd.GroupMgrDelAck]),
            (Cmd.GroupQuit, new GroupQuit { Uid = me, Gid = gid }, [Cmd.GroupQuitAck]),
            (Cmd.GroupCreat, new GroupCreat { Uid = me, Gid = 0, Name = "mine" }, [Cmd.GroupCreatAck]),
            (Cmd.GroupDimiss, new GroupDimiss { Uid = me, Gid = gid }, [Cmd.GroupDimissAck]),
            (Cmd.RoomJoin, new RoomJoin { Uid = me, Rid = rid }, [Cmd.RoomJoinAck]),
            (Cmd.RoomChat, new RoomChat { Uid = me, Rid = rid, Gid = 0, Level = 0, Time = 1, Text = "hello room" }, [Cmd.RoomChatAck]),
            (Cmd.RoomUsrNum, new RoomUsrNum { Rid = rid, Num = 0 }, [Cmd.RoomUsrNumAck]),
            (Cmd.RoomBc, new RoomBc { Rid = rid, Level = 0, Time = 1, Expire = 1, Data = ByteString.CopyFromUtf8("x") }, [Cmd.RoomBcAck]),
            (Cmd.RoomKick, new RoomKick { Uid = peer, Rid = rid }, [Cmd.RoomKickAck]),
            (Cmd.RoomQuit, new RoomQuit { Uid = me, Rid = rid }, [Cmd.RoomQuitAck]),
            (Cmd.RoomCreat, new RoomCreat { Uid = me, Rid = 0, Name = "r", Desc = "" }, [Cmd.RoomCreatAck]),
            (Cmd.RoomDismiss, new RoomDismiss { Uid = me, Rid = rid }, [Cmd.RoomDismissAck]),
            (Cmd.LsndUsrNum, new LsndUsrNum { Nid = 1, UsrNum = 1 }, [Cmd.LsndUsrNumAck]),
            (0x7777, null, [Cmd.Except]),
            (Cmd.Chat, new Sync { Uid = me }, [Cmd.Except]),
        };

        var firstSerial = Ids.Next() * 1000;
        var expected = new Dictionary<ulong, uint[]>();
        for (int i = 0; i < requests.Count; i++)
        {
            var serial = firstSerial + (ulong)i;
            expected[serial] = requests[i].Replies;
            await client.SendAsync(requests[i].Cmd, requests[i].Body, serial);
        }

        // OFFLINE waits for everything before it, and its ACK is the last reply on the connection.
        await client.SendAsync(Cmd.Offline, null, firstSerial + 999);
        var replies = new Dictionary<ulong, List<uint>>();
        while (true)
        {
            var frame = await client.ReceiveAsync(Patience);
            if (frame.Type == Cmd.OfflineAck)
            {
                break;
            }

            if (expected.ContainsKey(frame.Header.Serial) && (frame.Type == Cmd.Except || expected[frame.Header.Serial].Contains(frame.Type)))
            {
                AddReply(replies, frame.Header.Serial, frame.Type);
            }
        }

        foreach (var (serial, types) in expected)
        {
            Assert.True(replies.TryGetValue(serial, out var got), $"no reply to request {serial - firstSerial} (0x{requests[(int)(serial - firstSerial)].Cmd:X4})");
            Assert.Equal(types, got);
        }

        Assert.True(await client.WaitClosedAsync(Patience));
    }

    private static void AddReply(Dictionary<ulong, List<uint>> replies, ulong serial, uint type)
    {
        if (!replies.TryGetValue(serial, out var list))
        {
            replies[serial] = list = [];
        }

        list.Add(type);
    }
}
