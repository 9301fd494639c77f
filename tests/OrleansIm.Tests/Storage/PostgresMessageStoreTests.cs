using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansIm.Grains.Storage;
using OrleansIm.Silo.Storage;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Storage;

public sealed class PostgresMessageStoreTests : MessageStoreContract, IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];

    protected override async Task<IMessageStore> CreateStoreAsync()
    {
        var connectionString = await PostgresServers.NewDatabaseAsync();
        await new SchemaMigrator(connectionString, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new PostgresMessageStore(dataSource, Options.Create(new MessageStoreOptions { MaxBatch = 16, Writers = 2 }), NullLogger<PostgresMessageStore>.Instance);
        _owned.Add(store);
        _owned.Add(dataSource);
        return store;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }
}
