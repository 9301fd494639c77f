using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Postgres;

/// <summary>
/// A silo that dies without a word: its sessions end, and the sessions on the surviving gateway keep receiving,
/// whichever silo hosted their user grains (those hosted by the dead silo come back empty and are refilled).
/// </summary>
public sealed class SiloFailureTests
{
    private static readonly Dictionary<string, string?> FastMembership = new()
    {
        ["Orleans:Membership:ProbeTimeout"] = "00:00:01",
        ["Orleans:Membership:NumMissedProbesLimit"] = "2",
        ["Orleans:Membership:NumVotesForDeathDeclaration"] = "1",
        ["Orleans:Membership:TableRefreshTimeout"] = "00:00:02",
        ["Users:DeadSiloCheckInterval"] = "00:00:00.500",
    };

    [Fact]
    public async Task Sessions_on_a_killed_silo_end_and_sessions_elsewhere_keep_receiving()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        await using var survivor = await PostgresServers.StartAsync(db, FastMembership);
        var environment = FastMembership.ToDictionary(kv => kv.Key.Replace(":", "__"), kv => kv.Value!);
        environment["ConnectionStrings__Postgres"] = db;
        environment["Auth__SigningKey"] = ImServer.SigningKey;
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        await using var doomed = await RunningSilo.StartAsync(environment);

        var grains = survivor.Services.GetRequiredService<IGrainFactory>();
        var management = grains.GetGrain<IManagementGrain>(0);
        await Transports.EventuallyAsync(async () => (await management.GetHosts(onlyActive: true)).Count == 2, "both silos active", TimeSpan.FromSeconds(60));

        // Several users, each with one session on each silo. User grains are placed where they are first called:
        // logging in on the doomed silo first puts the grain there (it must be refilled), on the survivor first
        // keeps it alive (it must drop the dead session itself).
        var users = Enumerable.Range(0, 6).Select(_ => Ids.Next()).ToArray();
        var survivingSessions = new List<OrleansIm.Client.ImClient>();
        var doomedSessions = new List<OrleansIm.Client.ImClient>();
        for (int i = 0; i < users.Length; i++)
        {
            var uid = users[i];
            if (i % 2 == 0)
            {
                survivingSessions.Add(await survivor.LoginAsync("ws", uid));
            }

            var viaDoomed = await doomed.ConnectTcpAsync();
            Assert.Equal(0u, (await viaDoomed.LoginAsync(uid, survivor.Token(uid))).Code);
            doomedSessions.Add(viaDoomed);
            if (i % 2 == 1)
            {
                survivingSessions.Add(await survivor.LoginAsync("ws", uid));
            }
        }

        // A room with every user in it through the surviving sessions, and through the doomed ones too.
        await using var roomOwner = await survivor.LoginAsync("tcp", Ids.Next());
        var rid = await roomOwner.CreateRoomAsync();
        foreach (var session in survivingSessions.Concat(doomedSessions))
        {
            Assert.Equal(0u, (await session.JoinRoomAsync(rid)).Code);
        }

        Assert.Equal(12u, (await roomOwner.CountAsync(rid)).Num);

        await doomed.KillAsync();

        foreach (var (uid, session) in users.Zip(survivingSessions))
        {
            var grain = grains.GetGrain<IUserGrain>((long)uid);
            var seen = "nothing";
            await Transports.EventuallyAsync(async () =>
            {
                try
                {
                    var sessions = await grain.GetSessions();
                    seen = string.Join(";", sessions.Select(x => $"{x.Sid}@{x.Address.Silo}"));
                    return sessions.Count == 1 && sessions[0].Sid == session.Sid;
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    // The grain was on the dead silo, which the cluster has not declared dead yet.
                    seen = ex.GetType().Name;
                    return false;
                }
            }, () => $"user {uid}: only the surviving session {session.Sid}; last seen: {seen}", TimeSpan.FromSeconds(60));
        }

        await using var sender = await survivor.LoginAsync("tcp", Ids.Next());
        foreach (var (uid, session) in users.Zip(survivingSessions))
        {
            Assert.Equal(0u, (await sender.ChatAsync(uid, $"still there, {uid}?")).Code);
            Assert.Equal($"still there, {uid}?", (await session.ReceiveAsync(Cmd.Chat)).As(Chat.Parser).Text);
        }

        // The room holds exactly the surviving sessions, and they still get its messages.
        await Transports.EventuallyAsync(async () => (await roomOwner.CountAsync(rid)).Num == 6, "a head count of 6", TimeSpan.FromSeconds(60));
        Assert.Equal(0u, await roomOwner.BroadcastAsync(rid, [7], expire: 0));
        foreach (var session in survivingSessions)
        {
            Assert.Equal(7, (await session.ReceiveAsync(Cmd.RoomBc)).As(RoomBc.Parser).Data[0]);
        }

        foreach (var client in survivingSessions.Concat(doomedSessions))
        {
            await client.DisposeAsync();
        }
    }
}
