using System.Text;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Storage;

/// <summary>The one contract both message stores must meet; each store runs it through a subclass.</summary>
public abstract class MessageStoreContract
{
    /// <summary>The clock the stores under test stamp messages with.</summary>
    protected Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    protected abstract Task<IMessageStore> CreateStoreAsync();

    private static byte[] Body(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Inbox_appends_get_the_next_seqs_and_read_back_in_order()
    {
        var store = await CreateStoreAsync();
        var uid = Ids.Next();
        Assert.Equal(0UL, await store.GetHeadAsync(LogKind.Inbox, uid));
        Assert.Empty(await store.ReadAsync(LogKind.Inbox, uid, 0, 10));

        for (ulong seq = 1; seq <= 5; seq++)
        {
            var result = await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, 7, 0, Body($"m{seq}"), uid));
            Assert.Equal((true, seq, 0UL), (result.Inserted, result.ReceiverSeq, result.SenderSeq));
        }

        Assert.Equal(5UL, await store.GetHeadAsync(LogKind.Inbox, uid));
        var all = await store.ReadAsync(LogKind.Inbox, uid, 0, 100);
        Assert.Equal([1UL, 2, 3, 4, 5], all.Select(e => e.Seq));
        Assert.Equal("m3", Encoding.UTF8.GetString(all[2].Body));
        Assert.All(all, e => Assert.Equal(Cmd.Chat, e.Cmd));

        var page = await store.ReadAsync(LogKind.Inbox, uid, 2, 2);
        Assert.Equal([3UL, 4], page.Select(e => e.Seq));
        Assert.Empty(await store.ReadAsync(LogKind.Inbox, uid, 5, 10));
    }

    [Fact]
    public async Task A_message_lands_in_both_inboxes_at_each_ones_next_seq()
    {
        var store = await CreateStoreAsync();
        var (a, b) = (Ids.Next(), Ids.Next());
        await store.AppendInboxAsync(new InboxAppend(Cmd.FriendAdd, b, 0, Body("earlier"), a));

        var sent = await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, a, 5, Body("shared"), b, a));

        Assert.Equal((true, 1UL, 2UL), (sent.Inserted, sent.ReceiverSeq, sent.SenderSeq));
        Assert.Equal("shared", Encoding.UTF8.GetString((await store.ReadAsync(LogKind.Inbox, a, 1, 1))[0].Body));
        Assert.Equal("shared", Encoding.UTF8.GetString((await store.ReadAsync(LogKind.Inbox, b, 0, 1))[0].Body));
        Assert.Equal((1UL, 2UL), (await store.GetHeadAsync(LogKind.Inbox, b), await store.GetHeadAsync(LogKind.Inbox, a)));

        // Only the sender's copy (the receiver gagged the sender).
        var own = await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, a, 6, Body("gagged"), 0, a));
        Assert.Equal((true, 0UL, 3UL), (own.Inserted, own.ReceiverSeq, own.SenderSeq));
        Assert.Equal(1UL, await store.GetHeadAsync(LogKind.Inbox, b));
    }

    [Fact]
    public async Task The_same_orig_and_serial_is_stored_once()
    {
        var store = await CreateStoreAsync();
        var (uid, sender) = (Ids.Next(), Ids.Next());
        var first = await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, sender, 1234, Body("once"), uid, sender));
        var again = await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, sender, 1234, Body("twice"), uid, sender));

        Assert.True(first.Inserted);
        Assert.False(again.Inserted);
        Assert.Equal((first.ReceiverSeq, first.SenderSeq), (again.ReceiverSeq, again.SenderSeq));
        Assert.Equal(1UL, await store.GetHeadAsync(LogKind.Inbox, uid));
        Assert.Equal(1UL, await store.GetHeadAsync(LogKind.Inbox, sender));
        Assert.Equal("once", Encoding.UTF8.GetString(Assert.Single(await store.ReadAsync(LogKind.Inbox, uid, 0, 10)).Body));

        // Another sender's serial, or serial 0, is not a duplicate; the seqs stay gap-free.
        Assert.Equal(2UL, (await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, Ids.Next(), 1234, Body("other sender"), uid))).ReceiverSeq);
        Assert.Equal(3UL, (await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, sender, 0, Body("no id"), uid))).ReceiverSeq);
        Assert.Equal(4UL, (await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, sender, 0, Body("no id"), uid))).ReceiverSeq);
    }

    [Fact]
    public async Task Appends_made_as_one_are_numbered_in_their_order_and_answered_in_it()
    {
        var store = await CreateStoreAsync();
        var (uid, sender) = (Ids.Next(), Ids.Next());
        var before = await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, sender, 3, Body("before"), uid, sender, Dest: uid));

        // Serials 10..19, then 12 again (a repeat within) and 3 again (stored before).
        var entries = Enumerable.Range(10, 10).Select(i => (ulong)i)
            .Append(12UL).Append(3UL)
            .Select(serial => new InboxAppend(Cmd.Chat, sender, serial, Body($"s{serial}"), uid, sender, Dest: uid))
            .ToArray();
        var results = await store.AppendInboxBatchAsync(entries);

        Assert.Equal(entries.Length, results.Length);
        Assert.Equal(Enumerable.Range(2, 10).Select(i => (ulong)i), results.Take(10).Select(r => r.ReceiverSeq));
        Assert.Equal(Enumerable.Range(2, 10).Select(i => (ulong)i), results.Take(10).Select(r => r.SenderSeq));
        Assert.All(results.Take(10), r => Assert.True(r.Inserted));
        Assert.Equal((false, 4UL, 4UL), (results[10].Inserted, results[10].ReceiverSeq, results[10].SenderSeq));
        Assert.Equal((false, before.ReceiverSeq, before.SenderSeq), (results[11].Inserted, results[11].ReceiverSeq, results[11].SenderSeq));
        var inbox = await store.ReadAsync(LogKind.Inbox, uid, 0, 100);
        Assert.Equal(["before", .. Enumerable.Range(10, 10).Select(i => $"s{i}")], inbox.Select(e => Encoding.UTF8.GetString(e.Body)));
        Assert.Empty(await store.AppendInboxBatchAsync([]));
    }

    [Fact]
    public async Task Repeats_made_together_are_stored_once_and_take_no_seq()
    {
        var store = await CreateStoreAsync();
        var (uid, sender) = (Ids.Next(), Ids.Next());
        var appends = Enumerable.Range(0, 40)
            .Select(i => store.AppendInboxAsync(new InboxAppend(Cmd.Chat, sender, (ulong)(i % 10) + 1, Body($"m{i % 10}"), uid, sender)))
            .ToArray();
        var results = await Task.WhenAll(appends);

        Assert.Equal(10, results.Count(r => r.Inserted));
        Assert.Equal(10UL, await store.GetHeadAsync(LogKind.Inbox, uid));
        Assert.Equal(10UL, await store.GetHeadAsync(LogKind.Inbox, sender));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (ulong)i), (await store.ReadAsync(LogKind.Inbox, uid, 0, 100)).Select(e => e.Seq));
        for (int i = 0; i < 40; i++)
        {
            // Every repeat answers the seqs of the one that was stored.
            Assert.Equal(results[i % 10].ReceiverSeq, results[i].ReceiverSeq);
            Assert.Equal(results[i % 10].SenderSeq, results[i].SenderSeq);
        }
    }

    [Fact]
    public async Task Group_appends_take_seqs_in_the_order_they_were_made_and_a_repeat_takes_none()
    {
        var store = await CreateStoreAsync();
        var gid = Ids.Next();

        // Made one after the other without waiting: they may share a commit, and still number in call order.
        var appends = Enumerable.Range(1, 50)
            .Select(i => store.AppendAsync(new LogAppend(LogKind.Group, gid, Cmd.GroupChat, 3, i % 10 == 0 ? 5 : (ulong)(100 + i), Body($"m{i}"))))
            .ToList();
        var results = await Task.WhenAll(appends);

        // Serial 5 is used by messages 10, 20 … 50: only the first is stored, the repeats get its seq back.
        var stored = results.Where(r => r.Inserted).Select(r => r.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, 46).Select(i => (ulong)i), stored);
        Assert.All(results.Where(r => !r.Inserted), r => Assert.Equal(results[9].Seq, r.Seq));
        Assert.Equal(46UL, await store.GetHeadAsync(LogKind.Group, gid));
        var texts = (await store.ReadAsync(LogKind.Group, gid, 0, 100)).Select(e => Encoding.UTF8.GetString(e.Body));
        Assert.Equal(Enumerable.Range(1, 50).Where(i => i % 10 != 0 || i == 10).Select(i => $"m{i}"), texts);
    }

    [Fact]
    public async Task Inbox_entries_are_refused_by_the_group_log_append()
    {
        var store = await CreateStoreAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(new LogAppend(LogKind.Inbox, Ids.Next(), Cmd.Chat, 3, 0, Body("x"))));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendInboxAsync(new InboxAppend(Cmd.Chat, 3, 0, Body("x"), 0, 0)));
    }

    [Fact]
    public async Task Ids_beyond_the_signed_range_round_trip()
    {
        var store = await CreateStoreAsync();
        var uid = ulong.MaxValue - Ids.Next();
        var result = await store.AppendInboxAsync(new InboxAppend(Cmd.FriendAdd, ulong.MaxValue - 1, ulong.MaxValue, Body("big"), uid));
        Assert.True(result.Inserted);
        Assert.False((await store.AppendInboxAsync(new InboxAppend(Cmd.FriendAdd, ulong.MaxValue - 1, ulong.MaxValue, Body("big"), uid))).Inserted);
        var entry = Assert.Single(await store.ReadAsync(LogKind.Inbox, uid, 0, 10));
        Assert.Equal((1UL, Cmd.FriendAdd), (entry.Seq, entry.Cmd));
    }

    [Fact]
    public async Task A_group_log_and_an_inbox_with_the_same_owner_id_are_separate()
    {
        var store = await CreateStoreAsync();
        var id = Ids.Next();
        var inInbox = await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, 5, 77, Body("inbox"), id));
        var inGroup = await store.AppendAsync(new LogAppend(LogKind.Group, id, Cmd.GroupChat, 5, 77, Body("group")));
        Assert.True(inInbox.Inserted);
        Assert.True(inGroup.Inserted);
        Assert.False((await store.AppendAsync(new LogAppend(LogKind.Group, id, Cmd.GroupChat, 5, 77, Body("again")))).Inserted);
        Assert.True((await store.AppendAsync(new LogAppend(LogKind.Group, id, Cmd.GroupJoinNtc, 6, 0, Body("notice")))).Inserted);

        Assert.Equal(2UL, await store.GetHeadAsync(LogKind.Group, id));
        Assert.Equal(1UL, await store.GetHeadAsync(LogKind.Inbox, id));
        var group = await store.ReadAsync(LogKind.Group, id, 0, 10);
        Assert.Equal([Cmd.GroupChat, Cmd.GroupJoinNtc], group.Select(e => e.Cmd));
        Assert.Equal("inbox", Encoding.UTF8.GetString(Assert.Single(await store.ReadAsync(LogKind.Inbox, id, 0, 10)).Body));
    }

    [Fact]
    public async Task Concurrent_appends_to_many_inboxes_all_land()
    {
        var store = await CreateStoreAsync();
        var users = Enumerable.Range(0, 50).Select(_ => Ids.Next()).ToArray();
        await Task.WhenAll(users.Select(async uid =>
        {
            for (ulong seq = 1; seq <= 20; seq++)
            {
                Assert.Equal(seq, (await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, 1, seq, Body($"{uid}:{seq}"), uid))).ReceiverSeq);
            }
        }));

        foreach (var uid in users)
        {
            var entries = await store.ReadAsync(LogKind.Inbox, uid, 0, 100);
            Assert.Equal(Enumerable.Range(1, 20).Select(i => (ulong)i), entries.Select(e => e.Seq));
            Assert.Equal($"{uid}:20", Encoding.UTF8.GetString(entries[^1].Body));
        }
    }

    [Fact]
    public async Task Appends_to_one_inbox_made_without_waiting_get_seqs_in_call_order()
    {
        var store = await CreateStoreAsync();
        var (uid, sender) = (Ids.Next(), Ids.Next());
        var appends = Enumerable.Range(1, 300)
            .Select(i => store.AppendInboxAsync(new InboxAppend(Cmd.Chat, sender, (ulong)i, Body($"m{i}"), uid, sender)))
            .ToArray();
        var results = await Task.WhenAll(appends);

        Assert.Equal(Enumerable.Range(1, 300).Select(i => (ulong)i), results.Select(r => r.ReceiverSeq));
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (ulong)i), results.Select(r => r.SenderSeq));
        var read = await store.ReadAsync(LogKind.Inbox, uid, 0, 1000);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => $"m{i}"), read.Select(e => Encoding.UTF8.GetString(e.Body)));
    }

    [Fact]
    public async Task A_private_message_belongs_to_the_conversation_on_both_sides_and_each_row_knows_the_other_seq()
    {
        var store = await CreateStoreAsync();
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await store.AppendInboxAsync(new InboxAppend(Cmd.P2P, 0, 0, Body("push"), bob));
        var sent = await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, alice, 9, Body("hi bob"), bob, alice, Dest: bob));
        Assert.Equal((2UL, 1UL), (sent.ReceiverSeq, sent.SenderSeq));

        var atBob = (await store.GetEntryAsync(LogKind.Inbox, bob, 2))!;
        Assert.Equal((Cmd.Chat, alice, alice, 1UL, "hi bob"), (atBob.Cmd, atBob.Orig, atBob.Peer, atBob.PeerSeq, Encoding.UTF8.GetString(atBob.Body)));
        Assert.Equal(Clock.GetUtcNow(), atBob.Created);
        var atAlice = (await store.GetEntryAsync(LogKind.Inbox, alice, 1))!;
        Assert.Equal((alice, bob, 2UL, atBob.MessageId), (atAlice.Orig, atAlice.Peer, atAlice.PeerSeq, atAlice.MessageId));

        var push = (await store.GetEntryAsync(LogKind.Inbox, bob, 1))!;
        Assert.Equal((0UL, 0UL), (push.Peer, push.PeerSeq));
        Assert.Null(await store.GetEntryAsync(LogKind.Inbox, bob, 3));
        Assert.Null(await store.GetEntryAsync(LogKind.Inbox, bob, 0));
    }

    [Fact]
    public async Task Conversations_give_the_latest_message_per_peer_and_count_what_a_peer_sent()
    {
        var store = await CreateStoreAsync();
        var (me, ann, ben) = (Ids.Next(), Ids.Next(), Ids.Next());
        await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, ann, 0, Body("a1"), me, ann, Dest: me));
        await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, ben, 0, Body("b1"), me, ben, Dest: me));
        await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, ann, 0, Body("a2"), me, ann, Dest: me));
        await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, me, 0, Body("to ann"), ann, me, Dest: ann));
        await store.AppendInboxAsync(new InboxAppend(Cmd.FriendAdd, ben, 0, Body("relay"), me));

        // A message to someone who muted me is kept on my side only, in our conversation all the same.
        var carl = Ids.Next();
        await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, me, 0, Body("to carl"), 0, me, Dest: carl));

        var latest = (await store.LatestPerPeerAsync(me)).ToDictionary(e => e.Peer, e => Encoding.UTF8.GetString(e.Body));
        Assert.Equal(new Dictionary<ulong, string> { [ann] = "to ann", [ben] = "b1", [carl] = "to carl" }, latest);

        Assert.Equal(2, await store.CountFromPeerAsync(me, ann, 0));
        Assert.Equal(1, await store.CountFromPeerAsync(me, ann, 1));
        Assert.Equal(0, await store.CountFromPeerAsync(me, ann, 3));
        Assert.Equal(0, await store.CountFromPeerAsync(me, carl, 0));
        Assert.Equal("a2", Encoding.UTF8.GetString((await store.LastFromPeerAsync(me, ann, 6))!.Body));
        Assert.Equal("a1", Encoding.UTF8.GetString((await store.LastFromPeerAsync(me, ann, 2))!.Body));
        Assert.Null(await store.LastFromPeerAsync(me, carl, 10));
    }

    [Fact]
    public async Task A_group_log_gives_its_latest_message_and_counts_messages_by_others()
    {
        var store = await CreateStoreAsync();
        var (gid, me, ann) = (Ids.Next(), Ids.Next(), Ids.Next());
        await store.AppendAsync(new LogAppend(LogKind.Group, gid, Cmd.GroupChat, ann, 0, Body("one")));
        await store.AppendAsync(new LogAppend(LogKind.Group, gid, Cmd.GroupChat, me, 0, Body("two")));
        await store.AppendAsync(new LogAppend(LogKind.Group, gid, Cmd.GroupJoinNtc, 0, 0, Body("notice")));
        Assert.Null(await store.LastGroupMessageAsync(Ids.Next()));
        var last = (await store.LastGroupMessageAsync(gid))!;
        Assert.Equal((2UL, me, "two"), (last.Seq, last.Orig, Encoding.UTF8.GetString(last.Body)));
        Assert.Equal(1, await store.CountGroupMessagesAsync(gid, 0, me));
        Assert.Equal(1, await store.CountGroupMessagesAsync(gid, 0, ann));
        Assert.Equal(0, await store.CountGroupMessagesAsync(gid, 1, me));
        Assert.Equal(Cmd.GroupJoinNtc, (await store.GetEntryAsync(LogKind.Group, gid, 3))!.Cmd);
    }

    [Fact]
    public async Task Replacing_a_body_changes_it_in_every_log_that_holds_it()
    {
        var store = await CreateStoreAsync();
        var (alice, bob, gid) = (Ids.Next(), Ids.Next(), Ids.Next());
        await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, alice, 0, Body("secret"), bob, alice, Dest: bob));
        Assert.True(await store.ReplaceBodyAsync(LogKind.Inbox, alice, 1, Body("recalled")));
        Assert.Equal("recalled", Encoding.UTF8.GetString(Assert.Single(await store.ReadAsync(LogKind.Inbox, bob, 0, 10)).Body));
        Assert.Equal("recalled", Encoding.UTF8.GetString((await store.GetEntryAsync(LogKind.Inbox, alice, 1))!.Body));
        Assert.False(await store.ReplaceBodyAsync(LogKind.Inbox, alice, 2, Body("nothing there")));

        await store.AppendAsync(new LogAppend(LogKind.Group, gid, Cmd.GroupChat, alice, 0, Body("oops")));
        Assert.True(await store.ReplaceBodyAsync(LogKind.Group, gid, 1, Body("gone")));
        Assert.Equal("gone", Encoding.UTF8.GetString(Assert.Single(await store.ReadAsync(LogKind.Group, gid, 0, 10)).Body));
    }

    [Fact]
    public async Task Erasing_an_inbox_keeps_its_head_and_the_peer_s_copies()
    {
        var store = await CreateStoreAsync();
        var (a, b) = (Ids.Next(), Ids.Next());
        await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, a, 1, Body("a to b"), b, a, b));
        await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, b, 2, Body("b to a"), a, b, a));
        await store.AppendInboxAsync(new InboxAppend(Cmd.FriendAdd, b, 0, Body("only a's"), a));

        Assert.Equal(3L, await store.EraseInboxAsync(a));
        Assert.Empty(await store.ReadAsync(LogKind.Inbox, a, 0, 10));
        Assert.Equal(3UL, await store.GetHeadAsync(LogKind.Inbox, a));
        Assert.Equal(["a to b", "b to a"], (await store.ReadAsync(LogKind.Inbox, b, 0, 10)).Select(e => Encoding.UTF8.GetString(e.Body)));
        Assert.Equal(0L, await store.EraseInboxAsync(a));
        Assert.Equal(0L, await store.EraseInboxAsync(Ids.Next()));

        var next = await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, b, 3, Body("again"), a, b, a));
        Assert.Equal(4UL, next.ReceiverSeq);
    }

    [Fact]
    public async Task Replacing_what_one_sender_made_changes_every_copy_and_nothing_else()
    {
        var store = await CreateStoreAsync();
        var (a, b, gid) = (Ids.Next(), Ids.Next(), Ids.Next());
        await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, a, 1, Body("a1"), b, a, b));
        await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, b, 2, Body("b1"), a, b, a));
        await store.AppendAsync(new LogAppend(LogKind.Group, gid, Cmd.GroupChat, a, 3, Body("a in group")));
        await store.AppendInboxAsync(new InboxAppend(Cmd.FriendAdd, a, 0, Body("left alone"), b));

        var offered = new List<uint>();
        var replaced = await store.ReplaceSentAsync(a, (cmd, body) =>
        {
            offered.Add(cmd);
            return cmd == Cmd.FriendAdd ? null : Body("gone:" + Encoding.UTF8.GetString(body));
        });

        Assert.Equal(2L, replaced);
        Assert.Equal([Cmd.Chat, Cmd.FriendAdd, Cmd.GroupChat], offered.Order());
        string Text(IReadOnlyList<OrleansIm.Grains.Interfaces.LogEntry> entries) => string.Join("|", entries.Select(e => Encoding.UTF8.GetString(e.Body)));
        Assert.Equal("gone:a1|b1|left alone", Text(await store.ReadAsync(LogKind.Inbox, b, 0, 10)));
        Assert.Equal("gone:a1|b1", Text(await store.ReadAsync(LogKind.Inbox, a, 0, 10)));
        Assert.Equal("gone:a in group", Text(await store.ReadAsync(LogKind.Group, gid, 0, 10)));
    }
}
