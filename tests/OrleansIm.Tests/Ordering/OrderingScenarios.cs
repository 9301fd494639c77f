using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Ordering;

/// <summary>
/// The ordering scenarios, run by the embedded and the PostgreSQL tests: each repeated enough times to catch an event
/// that happens in one burst of four. Senders log in to <c>senders</c>, receivers to <c>receivers</c> (another
/// gateway of the same cluster, or the same one).
/// </summary>
public static class OrderingScenarios
{
    public const int BurstSize = 40;

    /// <summary>
    /// CHAT bursts to users whose grain was never activated: the ACK seqs grow in send order, the sender's other
    /// device gets every copy at its seq, and the receiver's SYNC replays the burst in send order.
    /// </summary>
    public static async Task ChatToNeverActiveReceiversAsync(ImServer senders, ImServer receivers, string transport, int repeats)
    {
        for (int burst = 0; burst < repeats; burst++)
        {
            var (alice, bob) = (Ids.Next(), Ids.Next());
            await using var sender = await senders.LoginAsync(transport, alice);
            await using var otherDevice = await senders.LoginAsync(Other(transport), alice);
            await ChatBurstToOfflineAsync(sender, otherDevice, receivers, bob, after: 0, tag: $"{transport}-fresh-{burst}");
        }
    }

    /// <summary>As above, to users who were active once and whose grain was deactivated since.</summary>
    public static async Task ChatToDeactivatedReceiversAsync(ImServer senders, ImServer receivers, string transport, int repeats)
    {
        for (int burst = 0; burst < repeats; burst++)
        {
            var (alice, bob) = (Ids.Next(), Ids.Next());
            ulong after;
            await using (var receiver = await receivers.LoginAsync(transport, bob))
            {
                Assert.Equal(0u, (await receiver.ChatAsync(alice, "wake up")).Code);
                var (ack, _) = await receiver.SyncAsync(seq: 0);
                after = ack.Seq;
            }

            await using var sender = await senders.LoginAsync(transport, alice);
            await using var otherDevice = await senders.LoginAsync(Other(transport), alice);
            await Bursts.CollectIdleGrainsAsync(senders);
            await ChatBurstToOfflineAsync(sender, otherDevice, receivers, bob, after, tag: $"{transport}-collected-{burst}");
        }
    }

    /// <summary>
    /// CHAT bursts to a user online on <paramref name="receivers"/> (a fresh user each time, so the sender's gateway
    /// has never called that grain): the live deliveries arrive in send order, at growing seqs.
    /// </summary>
    public static async Task ChatToOnlineReceiversAsync(ImServer senders, ImServer receivers, string transport, int repeats)
    {
        for (int burst = 0; burst < repeats; burst++)
        {
            var (alice, bob) = (Ids.Next(), Ids.Next());
            await using var receiver = await receivers.LoginAsync(Other(transport), bob);
            await using var sender = await senders.LoginAsync(transport, alice);
            var tag = $"{transport}-online-{burst}";
            var live = Bursts.ReceiveAsync(receiver, Cmd.Chat, BurstSize, f => f.As(Chat.Parser).Text);
            var seqs = await Bursts.ChatAsync(sender, bob, BurstSize, tag);
            Bursts.AssertSendOrder(seqs, $"burst {tag}: the sender-inbox seqs of the ACKs");

            var delivered = await live;
            Bursts.AssertTexts(tag, BurstSize, delivered.Select(d => d.Text), $"burst {tag}: live delivery to the receiver");
            Assert.Equal(Enumerable.Range(1, BurstSize).Select(i => (ulong)i), delivered.Select(d => d.Seq));

            var (_, replay) = await receiver.SyncAsync(seq: 0);
            Bursts.AssertTexts(tag, BurstSize, replay.Select(f => f.As(Chat.Parser).Text), $"burst {tag}: the receiver's SYNC");
        }
    }

    /// <summary>
    /// GROUP-CHAT bursts to a group whose grain was deactivated, from a member on <paramref name="senders"/> to a
    /// member on <paramref name="receivers"/>: ACK seqs in send order, live delivery and SYNC in send order.
    /// </summary>
    public static async Task GroupChatToDeactivatedGroupsAsync(ImServer senders, ImServer receivers, string transport, int repeats)
    {
        var (owner, member) = (Ids.Next(), Ids.Next());
        await using var ownerClient = await senders.LoginAsync(transport, owner);
        await using var memberClient = await receivers.LoginAsync(Other(transport), member);
        for (int burst = 0; burst < repeats; burst++)
        {
            var gid = await ownerClient.CreateGroupAsync();
            Assert.Equal(0u, await ownerClient.InviteAsync(gid, member));
            await memberClient.ReceiveAsync(Cmd.GroupInvite);
            var before = (await ownerClient.GroupChatAsync(gid, "before")).Seq;
            await memberClient.ReceiveAsync(Cmd.GroupChat);

            await Bursts.CollectIdleGrainsAsync(senders);
            var tag = $"{transport}-group-{burst}";
            var live = Bursts.ReceiveAsync(memberClient, Cmd.GroupChat, BurstSize, f => f.As(GroupChat.Parser).Text);
            var seqs = await Bursts.GroupChatAsync(ownerClient, gid, BurstSize, tag);
            Bursts.AssertSendOrder(seqs, $"burst {tag}: the group seqs of the ACKs");

            var delivered = await live;
            Bursts.AssertTexts(tag, BurstSize, delivered.Select(d => d.Text), $"burst {tag}: live delivery to a member");
            Assert.Equal(seqs, delivered.Select(d => d.Seq));

            var synced = await SyncGroupAsync(memberClient, gid, before);
            Bursts.AssertTexts(tag, BurstSize, synced, $"burst {tag}: the group log replayed by SYNC");
        }
    }

    private static string Other(string transport) => transport == "tcp" ? "ws" : "tcp";

    private static async Task ChatBurstToOfflineAsync(ImClient sender, ImClient otherDevice, ImServer receivers, ulong receiverUid, ulong after, string tag)
    {
        var copies = Bursts.ReceiveAsync(otherDevice, Cmd.Chat, BurstSize, f => f.As(Chat.Parser).Text);
        var seqs = await Bursts.ChatAsync(sender, receiverUid, BurstSize, tag);
        Bursts.AssertSendOrder(seqs, $"burst {tag}: the sender-inbox seqs of the ACKs");

        // The copies are pushed after each ACK, so they may arrive out of order; each must carry its own seq.
        var pushed = await copies;
        Assert.Equal(seqs.Order(), pushed.Select(c => c.Seq).Order());
        Bursts.AssertTexts(tag, BurstSize, pushed.OrderBy(c => c.Seq).Select(c => c.Text), $"burst {tag}: the copies on the sender's other device by seq");

        await using var receiver = await receivers.LoginAsync("tcp", receiverUid);
        var (ack, replay) = await receiver.SyncAsync(seq: after);
        Assert.Equal(after + BurstSize, ack.Seq);
        Bursts.AssertTexts(tag, BurstSize, replay.Select(f => f.As(Chat.Parser).Text), $"burst {tag}: the receiver's SYNC");
        Assert.Equal(Enumerable.Range(1, BurstSize).Select(i => after + (ulong)i), replay.Select(f => f.Header.Serial));
    }

    private static async Task<List<string>> SyncGroupAsync(ImClient member, ulong gid, ulong after)
    {
        // The inbox is skipped (seq at the top); of the groups, only this one's replay is kept.
        var request = new Sync { Uid = member.Uid, Seq = ulong.MaxValue };
        request.Groups.Add(new GroupCursor { Gid = gid, Seq = after });
        var serial = Ids.Next();
        await member.SendAsync(Cmd.Sync, request, serial);
        var texts = new List<string>();
        while (true)
        {
            var frame = await member.ReceiveAsync(TimeSpan.FromSeconds(30));
            if (frame.Type == Cmd.SyncAck && frame.Header.Serial == serial)
            {
                return texts;
            }

            if (frame.Type == Cmd.GroupChat && frame.As(GroupChat.Parser) is { } chat && chat.Gid == gid)
            {
                texts.Add(chat.Text);
            }
        }
    }
}
