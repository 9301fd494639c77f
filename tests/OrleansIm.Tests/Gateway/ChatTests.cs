using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

[Collection(EmbeddedServerCollection.Name)]
public sealed class ChatTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [Theory]
    [InlineData("tcp", "ws")]
    [InlineData("ws", "tcp")]
    public async Task A_message_reaches_every_receiver_session_and_the_senders_other_sessions(string senderTransport, string otherTransport)
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var aliceMain = await Server.LoginAsync(senderTransport, alice);
        await using var aliceOther = await Server.LoginAsync(otherTransport, alice);
        await using var bobTcp = await Server.LoginAsync("tcp", bob);
        await using var bobWs = await Server.LoginAsync("ws", bob);

        var ack = await aliceMain.ChatAsync(bob, "hello bob");
        Assert.Equal((0u, "ok", alice, bob, 1UL), (ack.Code, ack.Errmsg, ack.Orig, ack.Dest, ack.Seq));

        foreach (var (session, seq) in new[] { (bobTcp, 1UL), (bobWs, 1UL), (aliceOther, 1UL) })
        {
            var frame = await session.ReceiveAsync(Cmd.Chat);
            var chat = frame.As(Chat.Parser);
            Assert.Equal((alice, bob, "hello bob", seq), (chat.Orig, chat.Dest, chat.Text, frame.Header.Serial));
            Assert.Equal(session.Sid, frame.Header.Sid);
        }

        // The sending session gets the ACK, not a copy.
        await aliceMain.AssertNothingSentAsync();

        var second = await bobWs.ChatAsync(alice, "hi alice");
        Assert.Equal(2UL, second.Seq);
        Assert.Equal(2UL, (await aliceMain.ReceiveAsync(Cmd.Chat)).Header.Serial);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Offline_messages_arrive_on_sync_in_order_with_consecutive_seqs(string transport)
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var sender = await Server.LoginAsync(transport, alice);
        for (int i = 1; i <= 25; i++)
        {
            Assert.Equal((ulong)i, (await sender.ChatAsync(bob, $"m{i}")).Seq);
        }

        await using var receiver = await Server.ConnectAsync(transport);
        var online = await receiver.LoginAsync(bob, Server.Token(bob));
        Assert.Equal(25UL, online.Seq);

        var (syncAck, frames) = await receiver.SyncAsync(seq: 0);
        Assert.Equal((0u, 25UL, 25u), (syncAck.Code, syncAck.Seq, syncAck.Count));
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (ulong)i), frames.Select(f => f.Header.Serial));
        Assert.Equal(Enumerable.Range(1, 25).Select(i => $"m{i}"), frames.Select(f => f.As(Chat.Parser).Text));

        var (again, none) = await receiver.SyncAsync(seq: 25);
        Assert.Equal((0u, 25UL, 0u), (again.Code, again.Seq, again.Count));
        Assert.Empty(none);

        var (tail, last) = await receiver.SyncAsync(seq: 23);
        Assert.Equal([24UL, 25], last.Select(f => f.Header.Serial));
        Assert.Equal(2u, tail.Count);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Sync_without_a_seq_starts_after_the_cursor_the_receiver_acknowledged(string transport)
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var sender = await Server.LoginAsync(transport, alice);
        for (int i = 1; i <= 6; i++)
        {
            await sender.ChatAsync(bob, $"m{i}");
        }

        await using var receiver = await Server.LoginAsync(transport, bob);
        var (first, all) = await receiver.SyncAsync();
        Assert.Equal(6u, first.Count);

        // The client holds up to seq 4.
        await receiver.SendAsync(Cmd.ChatAck, new ChatAck { Orig = alice, Dest = bob, Code = 0, Errmsg = "ok" }, serial: 4);
        var user = Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)bob);
        await Transports.EventuallyAsync(async () => (await user.GetSyncPosition()).Cursor == 4, "the cursor to move");

        var (rest, frames) = await receiver.SyncAsync();
        Assert.Equal([5UL, 6], frames.Select(f => f.Header.Serial));
        Assert.Equal(2u, rest.Count);

        // A cursor never moves back, nor past the head.
        await receiver.SendAsync(Cmd.ChatAck, new ChatAck { Orig = alice, Dest = bob, Code = 0, Errmsg = "ok" }, serial: 2);
        await receiver.SendAsync(Cmd.ChatAck, new ChatAck { Orig = alice, Dest = bob, Code = 0, Errmsg = "ok" }, serial: 999);
        await receiver.AssertAliveAsync();
        Assert.Equal(6UL, (await user.GetSyncPosition()).Cursor);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_retried_serial_is_neither_stored_nor_delivered_again(string transport)
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var sender = await Server.LoginAsync(transport, alice);
        await using var receiver = await Server.LoginAsync(transport, bob);

        var serial = Ids.Next();
        var first = await sender.ChatAsync(bob, "exactly once", serial);
        var retry = await sender.ChatAsync(bob, "exactly once", serial);
        Assert.Equal((0u, first.Seq), (retry.Code, retry.Seq));
        var other = await sender.ChatAsync(bob, "next");
        Assert.Equal(first.Seq + 1, other.Seq);

        Assert.Equal("exactly once", (await receiver.ReceiveAsync(Cmd.Chat)).As(Chat.Parser).Text);
        Assert.Equal("next", (await receiver.ReceiveAsync(Cmd.Chat)).As(Chat.Parser).Text);
        var (ack, frames) = await receiver.SyncAsync(seq: 0);
        Assert.Equal(2u, ack.Count);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Serial_blocks_never_overlap_across_devices(string transport)
    {
        var uid = Ids.Next();
        await using var phone = await Server.LoginAsync(transport, uid);
        await using var pc = await Server.LoginAsync(transport, uid);

        var blocks = new List<(ulong First, ulong Last)>();
        foreach (var (device, num) in new[] { (phone, 10u), (pc, 10000u), (phone, 1u), (pc, 7u) })
        {
            var ack = (await device.RequestAsync(Cmd.AllocSeq, new AllocSeq { Uid = uid, Num = num })).As(AllocSeqAck.Parser);
            Assert.Equal((0u, uid, num), (ack.Code, ack.Uid, ack.Num));
            blocks.Add((ack.Seq + 1, ack.Seq + num));
        }

        var ordered = blocks.OrderBy(b => b.First).ToList();
        for (int i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].First > ordered[i - 1].Last, $"blocks overlap: {ordered[i - 1]} and {ordered[i]}");
        }

        Assert.Equal(ResultCode.InvalidParameter, (await phone.RequestAsync(Cmd.AllocSeq, new AllocSeq { Uid = uid, Num = 0 })).As(AllocSeqAck.Parser).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await phone.RequestAsync(Cmd.AllocSeq, new AllocSeq { Uid = uid, Num = 10001 })).As(AllocSeqAck.Parser).Code);
        Assert.Equal(ResultCode.PermissionDenied, (await phone.RequestAsync(Cmd.AllocSeq, new AllocSeq { Uid = uid + 1, Num = 5 })).As(AllocSeqAck.Parser).Code);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Refused_chats_get_their_code_and_store_nothing(string transport)
    {
        var (alice, bob, carol) = (Ids.Next(), Ids.Next(), Ids.Next());
        await using var sender = await Server.LoginAsync(transport, alice);

        Assert.Equal(ResultCode.PermissionDenied, (await sender.ChatAsync(bob, "as carol", orig: carol)).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await sender.ChatAsync(0, "nobody")).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await sender.ChatAsync(alice, "myself")).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await sender.ChatAsync(bob, new string('x', 8 * 1024 + 1))).Code);
        Assert.Equal(0u, (await sender.ChatAsync(bob, new string('é', 4 * 1024))).Code);

        var frame = await sender.RequestAsync(Cmd.Sync, new Sync { Uid = carol });
        Assert.Equal(ResultCode.PermissionDenied, frame.As(SyncAck.Parser).Code);

        await using var receiver = await Server.LoginAsync(transport, bob);
        var (ack, frames) = await receiver.SyncAsync(seq: 0);
        Assert.Equal(1u, ack.Count);
        var (senderAck, senderFrames) = await sender.SyncAsync(seq: 0);
        Assert.Equal(1u, senderAck.Count);
        Assert.Empty(await Inbox(carol));
    }

    [Fact]
    public async Task A_backlog_of_ten_thousand_messages_syncs_completely_and_in_order_frame_by_frame()
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        var receiverGrain = Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)bob);
        for (int i = 1; i <= 10_000; i++)
        {
            var body = Google.Protobuf.MessageExtensions.ToByteArray(new Chat { Orig = alice, Dest = bob, Level = 0, Time = 0, Text = $"backlog {i}" });
            Assert.Equal(0u, (await receiverGrain.ReceiveChat(alice, (ulong)i, body, CallOrder.None)).Code);
        }

        await using var receiver = await Server.LoginAsync("tcp", bob);
        var (ack, frames) = await receiver.SyncAsync(seq: 0, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal((0u, 10_000UL, 10_000u), (ack.Code, ack.Seq, ack.Count));
        Assert.Equal(10_000, frames.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.Equal((Cmd.Chat, (ulong)(i + 1)), (frames[i].Type, frames[i].Header.Serial));
        }

        Assert.Equal("backlog 10000", frames[^1].As(Chat.Parser).Text);
        Assert.True(frames.Max(f => f.Body.Length) < 100, "each replayed frame holds one message");
    }

    private async Task<IReadOnlyList<LogEntry>> Inbox(ulong uid) =>
        await Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)uid).ReadInbox(0, 100);
}
