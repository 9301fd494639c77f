using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using OrleansIm.Silo.Storage;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Postgres;

/// <summary>
/// The clustering query rows of our migration, run the way the Orleans ADO.NET provider runs them (same
/// parameter names and types): the version-row protocol, reads, gateways and clean-up.
/// </summary>
public sealed class MembershipQueryTests : IAsyncLifetime
{
    private const string Deployment = "probe-cluster";
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private NpgsqlConnection _connection = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await PostgresServers.NewDatabaseAsync();
        await new SchemaMigrator(connectionString, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        _connection = new NpgsqlConnection(connectionString);
        await _connection.OpenAsync();
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task The_version_row_guards_every_insert_and_update()
    {
        Assert.Equal(1, await Scalar("InsertMembershipVersionKey", Dep()));
        Assert.Equal(0, await Scalar("InsertMembershipVersionKey", Dep()));

        var empty = await Rows("MembershipReadAllKey", Dep());
        Assert.Equal((0, DBNull.Value), ((int)Assert.Single(empty)["version"], empty[0]["starttime"]));

        Assert.Equal(1, await Scalar("InsertMembershipKey", Insert(port: 1, version: 0)));
        Assert.Equal(0, await Scalar("InsertMembershipKey", Insert(port: 2, version: 0)));
        Assert.Equal(0, await Scalar("InsertMembershipKey", Insert(port: 1, version: 1)));
        Assert.Equal(1, await Version());

        Assert.Equal(1, await Scalar("UpdateMembershipKey", Update(port: 1, status: 6, version: 1, suspect: "127.0.0.1:1@7,2026-01-01 00:00:00.000 GMT")));
        Assert.Equal(0, await Scalar("UpdateMembershipKey", Update(port: 1, status: 3, version: 1)));
        Assert.Equal(0, await Scalar("UpdateMembershipKey", Update(port: 9, status: 3, version: 2)));
        Assert.Equal(2, await Version());

        var row = Assert.Single(await Rows("MembershipReadAllKey", Dep()));
        Assert.Equal((6, "127.0.0.1:1@7,2026-01-01 00:00:00.000 GMT", 5), ((int)row["status"], (string)row["suspecttimes"], (int)row["proxyport"]));

        var absent = Assert.Single(await Rows("MembershipReadRowKey", [.. Dep(), .. Silo(port: 9)]));
        Assert.Equal((2, DBNull.Value), ((int)absent["version"], absent["address"]));
    }

    [Fact]
    public async Task Alive_time_only_moves_forward_and_gateways_list_active_silos_with_a_proxy_port()
    {
        await Scalar("InsertMembershipVersionKey", Dep());
        await Scalar("InsertMembershipKey", Insert(port: 1, version: 0));
        await Scalar("InsertMembershipKey", Insert(port: 2, version: 1, proxyPort: 0));

        await Rows("UpdateIAmAlivetimeKey", [.. Dep(), .. Silo(1), P("IAmAliveTime", T0.AddMinutes(5), NpgsqlDbType.TimestampTz)]);
        await Rows("UpdateIAmAlivetimeKey", [.. Dep(), .. Silo(1), P("IAmAliveTime", T0.AddMinutes(1), NpgsqlDbType.TimestampTz)]);
        var row = Assert.Single(await Rows("MembershipReadRowKey", [.. Dep(), .. Silo(1)]));
        Assert.Equal(T0.AddMinutes(5), ((DateTime)row["iamalivetime"]).ToUniversalTime());

        var gateways = await Rows("GatewaysQueryKey", [.. Dep(), P("Status", 3, NpgsqlDbType.Integer)]);
        var gateway = Assert.Single(gateways);
        Assert.Equal(("127.0.0.1", 5, 7), ((string)gateway["address"], (int)gateway["proxyport"], (int)gateway["generation"]));
    }

    [Fact]
    public async Task Clean_up_removes_a_dead_row_only_while_it_is_unchanged_and_delete_removes_everything()
    {
        await Scalar("InsertMembershipVersionKey", Dep());
        await Scalar("InsertMembershipKey", Insert(port: 1, version: 0));
        await Scalar("UpdateMembershipKey", Update(port: 1, status: 6, version: 1, suspect: "x"));

        NpgsqlParameter[] Cleanup(string? suspect) =>
        [
            .. Dep(), .. Silo(1),
            P("SuspectTimes", (object?)suspect ?? DBNull.Value, NpgsqlDbType.Text),
            P("StartTime", T0, NpgsqlDbType.TimestampTz),
            P("IAmAliveTime", T0, NpgsqlDbType.TimestampTz),
        ];

        await Rows("CleanupDefunctSiloEntryKey", Cleanup("changed"));
        Assert.NotNull((await Rows("MembershipReadAllKey", Dep()))[0]["address"] as string);
        await Rows("CleanupDefunctSiloEntryKey", Cleanup("x"));
        Assert.Equal(DBNull.Value, Assert.Single(await Rows("MembershipReadAllKey", Dep()))["address"]);

        await Rows("DeleteMembershipTableEntriesKey", Dep());
        Assert.Empty(await Rows("MembershipReadAllKey", Dep()));
    }

    private static NpgsqlParameter P(string name, object value, NpgsqlDbType type) => new(name, type) { Value = value };

    private static NpgsqlParameter[] Dep() => [P("DeploymentId", Deployment, NpgsqlDbType.Text)];

    private static NpgsqlParameter[] Silo(int port) =>
        [P("Address", "127.0.0.1", NpgsqlDbType.Text), P("Port", port, NpgsqlDbType.Integer), P("Generation", 7, NpgsqlDbType.Integer)];

    private static NpgsqlParameter[] Insert(int port, int version, int proxyPort = 5) =>
    [
        .. Dep(), .. Silo(port),
        P("SiloName", "silo", NpgsqlDbType.Text), P("HostName", "host", NpgsqlDbType.Text),
        P("Status", 3, NpgsqlDbType.Integer), P("ProxyPort", proxyPort, NpgsqlDbType.Integer),
        P("StartTime", T0, NpgsqlDbType.TimestampTz), P("IAmAliveTime", T0, NpgsqlDbType.TimestampTz),
        P("Version", version, NpgsqlDbType.Integer),
    ];

    private static NpgsqlParameter[] Update(int port, int status, int version, string? suspect = null) =>
    [
        .. Dep(), .. Silo(port),
        P("Status", status, NpgsqlDbType.Integer),
        P("SuspectTimes", (object?)suspect ?? DBNull.Value, NpgsqlDbType.Text),
        P("IAmAliveTime", T0, NpgsqlDbType.TimestampTz),
        P("Version", version, NpgsqlDbType.Integer),
    ];

    private async Task<int> Version() =>
        (int)(await Rows("MembershipReadAllKey", Dep()))[0]["version"];

    private async Task<int> Scalar(string key, NpgsqlParameter[] parameters)
    {
        var rows = await Rows(key, parameters);
        var row = Assert.Single(rows);
        Assert.Single(row);
        return Convert.ToInt32(row.Values.Single());
    }

    private async Task<List<Dictionary<string, object>>> Rows(string key, NpgsqlParameter[] parameters)
    {
        string text;
        await using (var load = new NpgsqlCommand("SELECT querytext FROM orleansquery WHERE querykey = $1", _connection))
        {
            load.Parameters.AddWithValue(key);
            text = (string)(await load.ExecuteScalarAsync())!;
        }

        await using var command = new NpgsqlCommand(text, _connection);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Dictionary<string, object>>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, reader.GetValue));
        }

        return rows;
    }
}
