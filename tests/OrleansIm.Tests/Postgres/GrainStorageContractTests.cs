using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Runtime;
using Orleans.Storage;
using OrleansIm.Grains;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Postgres;

/// <summary>
/// The grain-state queries of our migration, through the silo's own ADO.NET storage provider: ETag versions,
/// conflicts, clear, and every kind of grain key.
/// </summary>
public sealed class GrainStorageContractTests : IAsyncLifetime
{
    private string _connectionString = "";
    private ImServer _server = null!;

    public sealed class ProbeState
    {
        public int Value { get; set; }

        public string Text { get; set; } = "";
    }

    public async Task InitializeAsync()
    {
        _connectionString = await PostgresServers.NewDatabaseAsync();
        _server = await PostgresServers.StartAsync(_connectionString);
    }

    public Task DisposeAsync() => _server.StopAsync();

    public static TheoryData<string> KeyKinds => new() { "guid", "guid+ext", "long+ext", "negative-long", "string" };

    [Theory]
    [MemberData(nameof(KeyKinds))]
    public async Task Versions_conflicts_and_clear_follow_the_provider_contract(string keyKind)
    {
        var storage = _server.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Provider);
        var id = GrainId.Create(GrainType.Create("probe"), keyKind switch
        {
            "guid" => GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid()),
            "guid+ext" => GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid(), "ext/ü"),
            "long+ext" => GrainIdKeyExtensions.CreateIntegerKey(77, $"ext-{Guid.NewGuid():N}"),
            "negative-long" => GrainIdKeyExtensions.CreateIntegerKey(-(long)Ids.Next()),
            _ => IdSpan.Create($"user-key-{Guid.NewGuid():N}"),
        });
        const string Name = "probe";

        var state = new GrainState<ProbeState>(new ProbeState { Value = 1, Text = "one" });
        await storage.WriteStateAsync(Name, id, state);
        Assert.Equal("1", state.ETag);

        var racer = new GrainState<ProbeState>(new ProbeState { Value = 99 });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(Name, id, racer));

        state.State = new ProbeState { Value = 2, Text = "one" };
        await storage.WriteStateAsync(Name, id, state);
        Assert.Equal("2", state.ETag);

        var stale = new GrainState<ProbeState>(new ProbeState { Value = 3 }) { ETag = "1" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(Name, id, stale));

        var read = new GrainState<ProbeState>(new ProbeState());
        await storage.ReadStateAsync(Name, id, read);
        Assert.Equal(("2", true, 2, "one"), (read.ETag, read.RecordExists, read.State!.Value, read.State.Text));

        await storage.ClearStateAsync(Name, id, read);
        Assert.Equal(("3", false), (read.ETag, read.RecordExists));

        var afterClear = new GrainState<ProbeState>(new ProbeState { Value = 5 });
        await storage.ReadStateAsync(Name, id, afterClear);
        Assert.Equal(("3", false), (afterClear.ETag, afterClear.RecordExists));

        var staleClear = new GrainState<ProbeState>(new ProbeState()) { ETag = "2", RecordExists = true };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(Name, id, staleClear));

        afterClear.State = new ProbeState { Value = 4 };
        await storage.WriteStateAsync(Name, id, afterClear);
        Assert.Equal("4", afterClear.ETag);
    }

    [Fact]
    public async Task Two_state_names_on_the_same_key_are_separate_rows()
    {
        var storage = _server.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Provider);
        var id = GrainId.Create(GrainType.Create("probe"), GrainIdKeyExtensions.CreateIntegerKey((long)Ids.Next()));
        await storage.WriteStateAsync("a", id, new GrainState<ProbeState>(new ProbeState { Value = 1 }));
        await storage.WriteStateAsync("b", id, new GrainState<ProbeState>(new ProbeState { Value = 2 }));
        var a = new GrainState<ProbeState>(new ProbeState());
        await storage.ReadStateAsync("a", id, a);
        Assert.Equal(1, a.State!.Value);
    }

    [Fact]
    public async Task The_delete_query_removes_the_row_only_on_a_matching_version_and_never_returns_the_old_version()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await Execute(connection, """
            INSERT INTO orleans_grain_state (serviceid, graintypestring, graintypehash, grainidhash, grainidn0, grainidn1, grainidextensionstring, payloadbinary, version)
            VALUES ('svc', 'probe', 1, 2, 0, 5, NULL, '\x01', 1)
            """);

        Assert.Null(await RunDelete(connection, version: 2));
        Assert.Equal(2, await RunDelete(connection, version: 1));
        Assert.Null(await RunDelete(connection, version: 1));
    }

    private static async Task<int?> RunDelete(NpgsqlConnection connection, int version)
    {
        string text;
        await using (var load = new NpgsqlCommand("SELECT querytext FROM orleansquery WHERE querykey = 'DeleteStorageKey'", connection))
        {
            text = (string)(await load.ExecuteScalarAsync())!;
        }

        await using var command = new NpgsqlCommand(text, connection);
        command.Parameters.AddWithValue("ServiceId", "svc");
        command.Parameters.AddWithValue("GrainTypeString", "probe");
        command.Parameters.AddWithValue("GrainTypeHash", 1);
        command.Parameters.AddWithValue("GrainIdHash", 2);
        command.Parameters.AddWithValue("GrainIdN0", 0L);
        command.Parameters.AddWithValue("GrainIdN1", 5L);
        command.Parameters.Add(new NpgsqlParameter("GrainIdExtensionString", NpgsqlTypes.NpgsqlDbType.Text) { Value = DBNull.Value });
        command.Parameters.AddWithValue("GrainStateVersion", version);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? null : Convert.ToInt32(result);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
