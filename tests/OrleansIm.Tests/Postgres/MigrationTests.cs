using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansIm.Silo.Storage;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Postgres;

public sealed class MigrationTests
{
    private static readonly string[] OrleansKeys =
    [
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "UpdateIAmAlivetimeKey", "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
    ];

    [Fact]
    public async Task Migrations_apply_once_and_a_second_run_changes_nothing()
    {
        var connectionString = await (await PostgresCluster.GetAsync()).CreateDatabaseAsync();
        var migrator = new SchemaMigrator(connectionString, NullLogger<SchemaMigrator>.Instance);

        var first = await migrator.MigrateAsync();
        Assert.Equal(SchemaMigrator.Embedded().Select(m => m.Version), first);
        Assert.Contains(1, first);

        var second = await migrator.MigrateAsync();
        Assert.Empty(second);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT querykey FROM orleansquery ORDER BY querykey", connection);
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.Equal(OrleansKeys.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Silos_starting_together_apply_each_migration_once()
    {
        var connectionString = await (await PostgresCluster.GetAsync()).CreateDatabaseAsync();
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            new SchemaMigrator(connectionString, NullLogger<SchemaMigrator>.Instance).MigrateAsync()));

        Assert.Equal(SchemaMigrator.Embedded().Select(m => m.Version), runs.SelectMany(r => r).Order());
    }
}
