using System.Text;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Storage;

/// <summary>The one contract both message stores must meet; each store runs it through a subclass.</summary>
public abstract class MessageStoreContract
{
    protected abstract Task<IMessageStore> CreateStoreAsync();

    private static byte[] Body(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Appends_read_back_in_seq_order_and_the_head_follows()
    {
        var store = await CreateStoreAsync();
        var uid = Ids.Next();
        Assert.Equal(0UL, await store.GetHeadAsync(LogKind.Inbox, uid));
        Assert.Empty(await store.ReadAsync(LogKind.Inbox, uid, 0, 10));

        for (ulong seq = 1; seq <= 5; seq++)
        {
            var result = await store.AppendAsync(new LogAppend(LogKind.Inbox, uid, seq, Cmd.Chat, 7, 0, Body($"m{seq}")));
            Assert.True(result.Inserted);
            Assert.Equal(seq, result.Seq);
            Assert.NotEqual(0, result.MessageId);
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
    public async Task The_same_orig_and_serial_is_stored_once()
    {
        var store = await CreateStoreAsync();
        var uid = Ids.Next();
        var first = await store.AppendAsync(new LogAppend(LogKind.Inbox, uid, 1, Cmd.Chat, 9, 1234, Body("once")));
        var again = await store.AppendAsync(new LogAppend(LogKind.Inbox, uid, 2, Cmd.Chat, 9, 1234, Body("twice")));

        Assert.True(first.Inserted);
        Assert.False(again.Inserted);
        Assert.Equal((1UL, first.MessageId), (again.Seq, again.MessageId));
        Assert.Equal(1UL, await store.GetHeadAsync(LogKind.Inbox, uid));
        Assert.Equal("once", Encoding.UTF8.GetString(Assert.Single(await store.ReadAsync(LogKind.Inbox, uid, 0, 10)).Body));

        // Another sender's serial, or serial 0, is not a duplicate.
        Assert.True((await store.AppendAsync(new LogAppend(LogKind.Inbox, uid, 2, Cmd.Chat, 10, 1234, Body("other sender")))).Inserted);
        Assert.True((await store.AppendAsync(new LogAppend(LogKind.Inbox, uid, 3, Cmd.Chat, 9, 0, Body("no id")))).Inserted);
        Assert.True((await store.AppendAsync(new LogAppend(LogKind.Inbox, uid, 4, Cmd.Chat, 9, 0, Body("no id")))).Inserted);
    }

    [Fact]
    public async Task A_body_stored_once_can_be_referenced_by_another_inbox()
    {
        var store = await CreateStoreAsync();
        var (a, b) = (Ids.Next(), Ids.Next());
        var stored = await store.AppendAsync(new LogAppend(LogKind.Inbox, b, 1, Cmd.Chat, a, 5, Body("shared")));
        var copy = await store.AppendAsync(new LogAppend(LogKind.Inbox, a, 1, Cmd.Chat, a, 5, [], stored.MessageId));
        Assert.True(copy.Inserted);
        Assert.Equal(stored.MessageId, copy.MessageId);
        Assert.Equal("shared", Encoding.UTF8.GetString((await store.ReadAsync(LogKind.Inbox, a, 0, 1))[0].Body));
    }

    [Fact]
    public async Task A_seq_that_does_not_follow_is_refused_and_changes_nothing()
    {
        var store = await CreateStoreAsync();
        var uid = Ids.Next();
        await store.AppendAsync(new LogAppend(LogKind.Inbox, uid, 1, Cmd.Chat, 3, 0, Body("one")));
        await Assert.ThrowsAnyAsync<Exception>(() => store.AppendAsync(new LogAppend(LogKind.Inbox, uid, 1, Cmd.Chat, 3, 0, Body("taken"))));
        Assert.Equal(1UL, await store.GetHeadAsync(LogKind.Inbox, uid));
        Assert.Equal("one", Encoding.UTF8.GetString(Assert.Single(await store.ReadAsync(LogKind.Inbox, uid, 0, 10)).Body));
    }

    [Fact]
    public async Task Ids_beyond_the_signed_range_round_trip()
    {
        var store = await CreateStoreAsync();
        var uid = ulong.MaxValue - Ids.Next();
        var result = await store.AppendAsync(new LogAppend(LogKind.Inbox, uid, 1, Cmd.FriendAdd, ulong.MaxValue - 1, ulong.MaxValue, Body("big")));
        Assert.True(result.Inserted);
        Assert.False((await store.AppendAsync(new LogAppend(LogKind.Inbox, uid, 2, Cmd.FriendAdd, ulong.MaxValue - 1, ulong.MaxValue, Body("big")))).Inserted);
        var entry = Assert.Single(await store.ReadAsync(LogKind.Inbox, uid, 0, 10));
        Assert.Equal((1UL, Cmd.FriendAdd), (entry.Seq, entry.Cmd));
    }

    [Fact]
    public async Task A_group_log_and_an_inbox_with_the_same_owner_id_are_separate()
    {
        var store = await CreateStoreAsync();
        var id = Ids.Next();
        var inInbox = await store.AppendAsync(new LogAppend(LogKind.Inbox, id, 1, Cmd.Chat, 5, 77, Body("inbox")));
        var inGroup = await store.AppendAsync(new LogAppend(LogKind.Group, id, 1, Cmd.GroupChat, 5, 77, Body("group")));
        Assert.True(inInbox.Inserted);
        Assert.True(inGroup.Inserted);
        Assert.False((await store.AppendAsync(new LogAppend(LogKind.Group, id, 2, Cmd.GroupChat, 5, 77, Body("again")))).Inserted);
        Assert.True((await store.AppendAsync(new LogAppend(LogKind.Group, id, 2, Cmd.GroupJoinNtc, 6, 0, Body("notice")))).Inserted);

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
                Assert.True((await store.AppendAsync(new LogAppend(LogKind.Inbox, uid, seq, Cmd.Chat, 1, seq, Body($"{uid}:{seq}")))).Inserted);
            }
        }));

        foreach (var uid in users)
        {
            var entries = await store.ReadAsync(LogKind.Inbox, uid, 0, 100);
            Assert.Equal(Enumerable.Range(1, 20).Select(i => (ulong)i), entries.Select(e => e.Seq));
            Assert.Equal($"{uid}:20", Encoding.UTF8.GetString(entries[^1].Body));
        }
    }
}
