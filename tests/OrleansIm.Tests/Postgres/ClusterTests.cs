using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Postgres;

/// <summary>PostgreSQL mode: silos forming one cluster through the database, and state outliving a silo.</summary>
public sealed class ClusterTests
{
    [Fact]
    public async Task Two_silos_form_one_cluster_and_a_duplicate_sid_is_kicked_across_them()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        await using var a = await PostgresServers.StartAsync(db);
        await using var b = await PostgresServers.StartAsync(db);

        var management = a.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        await Transports.EventuallyAsync(async () => (await management.GetHosts(onlyActive: true)).Count == 2, "both silos active", TimeSpan.FromSeconds(60));
        var rows = await Query(db, "SELECT status, proxyport FROM orleans_membership ORDER BY port");
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(3, (int)r[0]));
        Assert.All(rows, r => Assert.True((int)r[1] > 0));
        Assert.NotEqual(a.Nid, b.Nid);

        var uid = Ids.Next();
        var sid = Ids.Next();
        await using var onA = await a.LoginAsync("tcp", uid, sid);
        await using var onB = await b.LoginAsync("ws", uid, sid);

        var kick = await onA.ReceiveAsync(Cmd.Kick);
        Assert.Equal(ResultCode.SessionConflict, kick.As(Kick.Parser).Code);
        await onA.AssertClosedAsync();
        await onB.AssertAliveAsync();

        // Both gateways see the same directory: a second user cannot take the sid through either silo.
        var intruder = Ids.Next();
        await using var viaA = await a.ConnectAsync("ws");
        Assert.Equal(ResultCode.LoginFailed, (await viaA.LoginAsync(intruder, a.Token(intruder), sid)).Code);
    }

    [Fact]
    public async Task Grain_state_survives_a_silo_restart()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        var owner = Ids.Next();
        var picked = Ids.Next();
        ulong allocated;

        await using (var first = await PostgresServers.StartAsync(db))
        {
            await using var allocating = await first.LoginAsync("tcp", owner);
            allocated = allocating.Sid;
            await using var naming = await first.LoginAsync("ws", owner, picked);
        }

        var stopped = await Query(db, "SELECT status FROM orleans_membership");
        Assert.All(stopped, r => Assert.Equal(6, (int)r[0]));

        await using var second = await PostgresServers.StartAsync(db);
        var intruder = Ids.Next();
        foreach (var sid in new[] { allocated, picked })
        {
            await using var attempt = await second.ConnectAsync("tcp");
            Assert.Equal(ResultCode.LoginFailed, (await attempt.LoginAsync(intruder, second.Token(intruder), sid)).Code);
        }

        await using var back = await second.LoginAsync("tcp", owner, allocated);
        Assert.Equal(allocated, back.Sid);

        await using var fresh = await second.LoginAsync("ws", Ids.Next());
        Assert.True(fresh.Sid > allocated, $"a sid allocated after the restart ({fresh.Sid}) must not repeat one from before ({allocated})");
    }

    private static async Task<List<object[]>> Query(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }
}
