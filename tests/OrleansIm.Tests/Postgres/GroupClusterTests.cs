using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Postgres;

public sealed class GroupClusterTests
{
    [Fact]
    public async Task Group_state_survives_a_restart_and_messages_reach_members_on_both_silos()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        var (ownerUid, managerUid, gaggedUid, bannedUid, memberUid) = (Ids.Next(), Ids.Next(), Ids.Next(), Ids.Next(), Ids.Next());
        ulong gid;
        await using (var first = await PostgresServers.StartAsync(db))
        {
            await using var owner = await first.LoginAsync("tcp", ownerUid);
            gid = await owner.CreateGroupAsync();
            foreach (var uid in new[] { managerUid, gaggedUid, bannedUid, memberUid })
            {
                Assert.Equal(0u, await owner.InviteAsync(gid, uid));
            }

            Assert.Equal(0u, await owner.GroupAsync(Cmd.GroupMgrAdd, managerUid, gid));
            Assert.Equal(0u, await owner.GroupAsync(Cmd.GroupGagAdd, gaggedUid, gid));
            Assert.Equal(0u, await owner.GroupAsync(Cmd.GroupBlAdd, bannedUid, gid));
            Assert.Equal(0u, (await owner.GroupChatAsync(gid, "before the restart")).Code);
        }

        await using var a = await PostgresServers.StartAsync(db);
        await using var b = await PostgresServers.StartAsync(db);
        var management = a.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        // A group grain rebuilt below must find both nodes in the gateway directory.
        await ClusterReady.WaitAsync(a.Services.GetRequiredService<IGrainFactory>(), 2);

        await using var ownerAgain = await a.LoginAsync("tcp", ownerUid);
        await using var managerOnB = await b.LoginAsync("ws", managerUid);
        await using var memberOnA = await a.LoginAsync("ws", memberUid);
        await using var gaggedOnB = await b.LoginAsync("tcp", gaggedUid);
        await using var bannedOnA = await a.LoginAsync("tcp", bannedUid);

        var list = await managerOnB.ListAsync(gid);
        Assert.Equal((0u, 4u), (list.Code, list.Total));
        Assert.Contains($"{{\"uid\":{ownerUid},\"role\":\"owner\",\"gag\":false}}", list.List);
        Assert.Contains($"{{\"uid\":{managerUid},\"role\":\"manager\",\"gag\":false}}", list.List);
        Assert.Contains($"{{\"uid\":{gaggedUid},\"role\":\"member\",\"gag\":true}}", list.List);
        Assert.Equal(ResultCode.Banned, await bannedOnA.GroupAsync(Cmd.GroupJoin, bannedUid, gid));
        Assert.Equal(ResultCode.Gagged, (await gaggedOnB.GroupChatAsync(gid, "still gagged?")).Code);

        var (_, history) = await memberOnA.SyncAsync();
        Assert.Contains(history, f => f.Type == Cmd.GroupChat && f.As(GroupChat.Parser).Text == "before the restart");

        var ack = await ownerAgain.GroupChatAsync(gid, "after the restart");
        foreach (var session in new[] { managerOnB, memberOnA, gaggedOnB })
        {
            var frame = await session.ReceiveAsync(Cmd.GroupChat);
            Assert.Equal(("after the restart", ack.Seq), (frame.As(GroupChat.Parser).Text, frame.Header.Serial));
        }

        // A group grain activated anew (idle collection) asks the gateways who is online.
        await management.ForceActivationCollection(TimeSpan.Zero);
        var later = await managerOnB.GroupChatAsync(gid, "after a reactivation");
        foreach (var session in new[] { ownerAgain, memberOnA, gaggedOnB })
        {
            var frame = await session.ReceiveAsync(Cmd.GroupChat);
            Assert.Equal(("after a reactivation", later.Seq), (frame.As(GroupChat.Parser).Text, frame.Header.Serial));
        }
    }
}
