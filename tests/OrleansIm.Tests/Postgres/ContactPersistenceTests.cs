using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Postgres;

public sealed class ContactPersistenceTests
{
    [Fact]
    public async Task Contacts_blacklist_gag_marks_serials_and_history_survive_a_restart()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        var (alice, bob, carol, dave) = (Ids.Next(), Ids.Next(), Ids.Next(), Ids.Next());
        ulong serialBlockEnd;

        await using (var first = await PostgresServers.StartAsync(db))
        {
            await using var a = await first.LoginAsync("tcp", alice);
            await using var b = await first.LoginAsync("ws", bob);
            Assert.Equal(0u, await a.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = bob, Mark = "B" }));
            Assert.Equal(0u, await b.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = bob, Dest = alice, Mark = "" }));
            Assert.Equal(0u, await a.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = dave, Mark = "" }));
            Assert.Equal(0u, await a.CodeOfAsync(Cmd.BlacklistAdd, new BlacklistAdd { Orig = alice, Dest = carol }));
            Assert.Equal(0u, await a.CodeOfAsync(Cmd.GagAdd, new GagAdd { Orig = alice, Dest = dave }));
            Assert.Equal(0u, await a.CodeOfAsync(Cmd.MarkAdd, new MarkAdd { Orig = alice, Dest = carol, Mark = "no" }));
            Assert.Equal(0u, (await b.ChatAsync(alice, "before the restart")).Code);
            var alloc = (await a.RequestAsync(Cmd.AllocSeq, new AllocSeq { Uid = alice, Num = 50 })).As(AllocSeqAck.Parser);
            serialBlockEnd = alloc.Seq + 50;
        }

        await using var second = await PostgresServers.StartAsync(db);
        var contacts = await second.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)alice).GetContacts();
        Assert.Equal([bob], contacts.Friends);
        Assert.Equal([dave], contacts.PendingOut);
        Assert.Equal([carol], contacts.Blacklist);
        Assert.Equal([dave], contacts.Gagged);
        Assert.Equal(new Dictionary<ulong, string> { [bob] = "B", [carol] = "no" }, contacts.Marks);

        await using var again = await second.LoginAsync("tcp", alice);
        var (sync, frames) = await again.SyncAsync(seq: 0);
        Assert.Equal("before the restart", Assert.Single(frames, f => f.Type == Cmd.Chat).As(Chat.Parser).Text);
        Assert.Equal(2u, sync.Count);

        var next = (await again.RequestAsync(Cmd.AllocSeq, new AllocSeq { Uid = alice, Num = 1 })).As(AllocSeqAck.Parser);
        Assert.Equal(serialBlockEnd, next.Seq);

        await using var c = await second.LoginAsync("ws", carol);
        Assert.Equal(ResultCode.Blacklisted, (await c.ChatAsync(alice, "still blocked?")).Code);
    }
}
