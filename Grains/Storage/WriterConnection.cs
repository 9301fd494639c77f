using Npgsql;

namespace OrleansIm.Grains.Storage;

/// <summary>
/// A store writer's own connection, kept from one batch to the next and replaced after a failure. A connection taken
/// from the pool for each batch cost PostgreSQL a reset (RESET ALL, DISCARD SEQUENCES, DISCARD TEMP …) before every
/// batch; the writer sets no session state, so there is nothing to reset.
/// </summary>
internal sealed class WriterConnection(NpgsqlDataSource source) : IAsyncDisposable
{
    private NpgsqlConnection? _connection;

    /// <summary>The connection, opened first if there is none.</summary>
    public async ValueTask<NpgsqlConnection> GetAsync(CancellationToken cancellationToken) =>
        _connection ??= await source.OpenConnectionAsync(cancellationToken);

    /// <summary>Closes the connection (it may be broken); the next <see cref="GetAsync"/> opens another.</summary>
    public async ValueTask DropAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => DropAsync();
}
