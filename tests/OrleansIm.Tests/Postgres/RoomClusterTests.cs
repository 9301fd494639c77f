using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Postgres;

public sealed class RoomClusterTests
{
    [Fact]
    public async Task Room_messages_reach_sessions_on_both_silos_and_bans_survive_a_restart()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        var (ownerUid, troublemaker) = (Ids.Next(), Ids.Next());
        ulong rid;
        await using (var a = await PostgresServers.StartAsync(db))
        await using (var b = await PostgresServers.StartAsync(db))
        {
            var management = a.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            await Transports.EventuallyAsync(async () => (await management.GetHosts(onlyActive: true)).Count == 2, "both silos active", TimeSpan.FromSeconds(60));

            await using var owner = await a.LoginAsync("tcp", ownerUid);
            rid = await owner.CreateRoomAsync();
            await using var onA = await a.LoginAsync("tcp", Ids.Next());
            await using var onB = await b.LoginAsync("ws", Ids.Next());
            await using var badOnB = await b.LoginAsync("tcp", troublemaker);
            foreach (var client in new[] { onA, onB, badOnB })
            {
                var joined = await client.JoinRoomAsync(rid);
                Assert.Equal((0u, 1u), (joined.Code, joined.Gid));
            }

            Assert.Equal(0u, (await onA.RoomChatAsync(rid, "across silos")).Code);
            Assert.Equal("across silos", (await onB.ReceiveAsync(Cmd.RoomChat)).As(RoomChat.Parser).Text);
            Assert.Equal(0u, await owner.BroadcastAsync(rid, [42], expire: 0));
            Assert.Equal(42, (await onA.ReceiveAsync(Cmd.RoomBc)).As(RoomBc.Parser).Data[0]);
            Assert.Equal(42, (await onB.ReceiveAsync(Cmd.RoomBc)).As(RoomBc.Parser).Data[0]);

            Assert.Equal(0u, (await owner.RequestAsync(Cmd.RoomKick, new RoomKick { Uid = troublemaker, Rid = rid })).As(RoomKickAck.Parser).Code);
            Assert.Equal(troublemaker, (await badOnB.ReceiveAsync(Cmd.RoomKick)).As(RoomKick.Parser).Uid);
            Assert.Equal(2u, (await owner.CountAsync(rid)).Num);
        }

        await using var restarted = await PostgresServers.StartAsync(db);
        var managerUid = Ids.Next();
        using (var http = new HttpClient { BaseAddress = restarted.HttpUri, Timeout = TimeSpan.FromSeconds(10) })
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", restarted.Token(1, role: OrleansIm.Gateway.Auth.Roles.Admin));
            Assert.Equal(System.Net.HttpStatusCode.NoContent, (await http.PutAsync($"/api/rooms/{rid}/managers/{managerUid}", null)).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Conflict, (await http.PutAsync($"/api/rooms/{rid}/managers/{managerUid}", null)).StatusCode);
        }

        await using var banned = await restarted.LoginAsync("ws", troublemaker);
        Assert.Equal(ResultCode.Banned, (await banned.JoinRoomAsync(rid)).Code);
        await using var newcomer = await restarted.LoginAsync("tcp", Ids.Next());
        Assert.Equal(0u, (await newcomer.JoinRoomAsync(rid)).Code);
        Assert.Equal(1u, (await newcomer.CountAsync(rid)).Num);
        // The appointed manager may broadcast and kick; after another restart it still may.
        await using (var manager = await restarted.LoginAsync("ws", managerUid))
        {
            Assert.Equal(0u, await manager.BroadcastAsync(rid, [1], expire: 0));
            Assert.Equal(1, (await newcomer.ReceiveAsync(Cmd.RoomBc)).As(RoomBc.Parser).Data[0]);
        }

        await using var ownerAgain = await restarted.LoginAsync("tcp", ownerUid);
        Assert.Equal(0u, (await ownerAgain.RequestAsync(Cmd.RoomDismiss, new RoomDismiss { Uid = ownerUid, Rid = rid })).As(RoomDismissAck.Parser).Code);
    }
}
