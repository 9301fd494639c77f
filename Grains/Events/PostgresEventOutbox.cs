using Npgsql;
using OrleansIm.Grains.Storage;

namespace OrleansIm.Grains.Events;

/// <summary>
/// The outbox in PostgreSQL (im_outbox). Message events are inserted by the message store's append statements, in
/// the message's transaction. The poster is whoever holds a session-level advisory lock; it reads and deletes on the
/// connection that holds the lock, so a poster that lost its connection (and with it the lock) cannot go on posting
/// beside the process that took over.
/// </summary>
public sealed class PostgresEventOutbox(NpgsqlDataSource dataSource) : IEventOutbox
{
    /// <summary>The advisory lock key of the poster (any constant the rest of the schema does not use).</summary>
    public const long LeadLockKey = 0x4F72_6C49_6D57_4831;

    private const string Insert = "INSERT INTO im_outbox (kind, payload) VALUES ($1, $2)";

    private const string Count = "SELECT count(*) FROM im_outbox";

    // The oldest events with the log entry each names, and for a private message.offline the receiver's unread
    // messages from that sender after the read position it had then, up to this one.
    private const string Read = """
        SELECT o.id, o.kind, o.log_kind, o.owner, o.seq, o.payload, o.created_at,
               m.id, m.cmd, coalesce(x.orig, g.orig), coalesce(x.peer, 0), coalesce(x.peer_seq, 0), m.created_at, m.body,
               CASE WHEN o.kind = 1 AND o.log_kind = 1 AND x.peer <> 0 THEN (
                   SELECT count(*) FROM im_inbox c
                   WHERE c.uid = o.owner AND c.peer = x.peer AND c.orig = x.peer
                     AND c.seq > coalesce((o.payload::jsonb ->> 'read_seq')::bigint, 0) AND c.seq <= o.seq)
               END
        FROM (SELECT * FROM im_outbox ORDER BY id LIMIT $1) o
        LEFT JOIN im_inbox x ON o.log_kind = 1 AND x.uid = o.owner AND x.seq = o.seq
        LEFT JOIN im_group_log g ON o.log_kind = 2 AND g.gid = o.owner AND g.seq = o.seq
        LEFT JOIN im_message m ON m.id = coalesce(x.message_id, g.message_id)
        ORDER BY o.id
        """;

    private const string Delete = "DELETE FROM im_outbox WHERE id = ANY($1)";

    public bool Durable => true;

    public async Task AddAsync(int kind, string payload, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(Insert);
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = payload });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(Count);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IOutboxLease?> TryLeadAsync(CancellationToken cancellationToken = default)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LeadLockKey });
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
            {
                return new Lease(connection);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    private sealed class Lease(NpgsqlConnection connection) : IOutboxLease
    {
        public async Task<IReadOnlyList<OutboxItem>> ReadAsync(int max, CancellationToken cancellationToken = default)
        {
            await using var command = new NpgsqlCommand(Read, connection);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var items = new List<OutboxItem>();
            while (await reader.ReadAsync(cancellationToken))
            {
                var logKind = reader.GetInt16(2);
                StoredEntry? message = reader.IsDBNull(7) ? null : new StoredEntry(
                    (ulong)reader.GetInt64(4), (uint)reader.GetInt32(8), (ulong)reader.GetInt64(9), (ulong)reader.GetInt64(10),
                    (ulong)reader.GetInt64(11), reader.GetInt64(7), reader.GetFieldValue<DateTimeOffset>(12), reader.GetFieldValue<byte[]>(13));
                items.Add(new OutboxItem(
                    reader.GetInt64(0),
                    reader.GetInt16(1),
                    logKind switch { 1 => LogKind.Inbox, 2 => LogKind.Group, _ => (LogKind?)null },
                    (ulong)reader.GetInt64(3),
                    (ulong)reader.GetInt64(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.GetFieldValue<DateTimeOffset>(6),
                    message,
                    reader.IsDBNull(14) ? null : reader.GetInt64(14)));
            }

            return items;
        }

        public async Task RemoveAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken = default)
        {
            await using var command = new NpgsqlCommand(Delete, connection);
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. ids] });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            // A pooled connection keeps its session (and the lock) until it is reused: unlock first. A broken
            // connection's session ended on the server, and the lock with it.
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LeadLockKey });
                await command.ExecuteScalarAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
