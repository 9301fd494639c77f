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

    // Ids are handed out in order and the oldest are posted first, so what is left is about one range of ids: a large
    // backlog is measured by its ends (two index lookups) instead of being counted row by row.
    private const string Count = """
        SELECT CASE WHEN r.span IS NULL THEN 0
                    WHEN r.span < 10000 THEN (SELECT count(*) FROM im_outbox)
                    ELSE r.span END
        FROM (SELECT max(id) - min(id) + 1 AS span FROM im_outbox) r
        """;

    // The oldest events with the log entry each names.
    private const string Read = """
        SELECT o.id, o.kind, o.log_kind, o.owner, o.seq, o.payload, o.created_at,
               m.id, m.cmd, coalesce(x.orig, g.orig), coalesce(x.peer, 0), coalesce(x.peer_seq, 0), m.created_at, m.body
        FROM (SELECT * FROM im_outbox WHERE id > $2 ORDER BY id LIMIT $1) o
        LEFT JOIN im_inbox x ON o.log_kind = 1 AND x.uid = o.owner AND x.seq = o.seq
        LEFT JOIN im_group_log g ON o.log_kind = 2 AND g.gid = o.owner AND g.seq = o.seq
        LEFT JOIN im_message m ON m.id = coalesce(x.message_id, g.message_id)
        ORDER BY o.id
        """;

    // For each range: the messages the peer sent the owner after lo, up to hi (the partial peer index serves it).
    private const string CountUnread = """
        SELECT (SELECT count(*) FROM im_inbox c
                WHERE c.uid = i.owner AND c.peer = i.peer AND c.peer <> 0 AND c.orig = i.peer AND c.seq > i.lo AND c.seq <= i.hi)
        FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS i(owner, peer, lo, hi, n)
        ORDER BY i.n
        """;

    private const string Delete = "DELETE FROM im_outbox WHERE id = ANY($1)";

    private readonly UnreadCounts _unread = new();

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
                return new Lease(connection, _unread);
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

    /// <remarks>
    /// The lease reads on from the last id it posted, so a long backlog is not scanned again from its deleted start on
    /// every read; once it finds nothing there it looks from the start again, for events of a transaction that
    /// committed after events with higher ids were posted (another writer's; one user's events are written in order).
    /// </remarks>
    private sealed class Lease(NpgsqlConnection connection, UnreadCounts unreadCounts) : IOutboxLease
    {
        private long _after;

        public async Task<IReadOnlyList<OutboxItem>> ReadAsync(int max, CancellationToken cancellationToken = default)
        {
            var items = await ReadAfterAsync(_after, max, cancellationToken);
            if (items.Count == 0 && _after > 0)
            {
                _after = 0;
                items = await ReadAfterAsync(0, max, cancellationToken);
            }

            return items;
        }

        private async Task<IReadOnlyList<OutboxItem>> ReadAfterAsync(long after, int max, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(Read, connection);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
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
                    null));
            }

            await reader.DisposeAsync();
            return await WithUnreadAsync(items, cancellationToken);
        }

        /// <summary>
        /// Fills in the unread count of each private message.offline: the messages from its sender after the read
        /// position, up to it, counted only from the previous such event of the same conversation (in this batch or
        /// remembered from an earlier one) and summed.
        /// </summary>
        private async Task<IReadOnlyList<OutboxItem>> WithUnreadAsync(List<OutboxItem> items, CancellationToken cancellationToken)
        {
            var wanted = new List<(int Item, ulong ReadSeq, int Previous, long Base)>();
            var owners = new List<long>();
            var peers = new List<long>();
            var from = new List<long>();
            var to = new List<long>();
            var latest = new Dictionary<(ulong, ulong, ulong), int>();
            for (int i = 0; i < items.Count; i++)
            {
                var item = items[i];
                if (item.Kind != EventKinds.MessageOffline || item.Log != LogKind.Inbox || item.Message is not { Peer: not 0 } message)
                {
                    continue;
                }

                var readSeq = UnreadCounts.ReadSeqOf(item.Payload);
                var key = (item.Owner, message.Peer, readSeq);
                ulong after;
                long start = 0;
                int previous = -1;
                if (latest.TryGetValue(key, out var p) && items[wanted[p].Item].Seq < item.Seq)
                {
                    after = items[wanted[p].Item].Seq;
                    previous = p;
                }
                else
                {
                    (after, start) = unreadCounts.Start(item.Owner, message.Peer, readSeq, item.Seq);
                }

                latest[key] = wanted.Count;
                wanted.Add((i, readSeq, previous, start));
                owners.Add((long)item.Owner);
                peers.Add((long)message.Peer);
                from.Add((long)after);
                to.Add((long)item.Seq);
            }

            if (wanted.Count == 0)
            {
                return items;
            }

            var counts = new long[wanted.Count];
            await using (var command = new NpgsqlCommand(CountUnread, connection))
            {
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. owners] });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. peers] });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. from] });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. to] });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                for (int n = 0; await reader.ReadAsync(cancellationToken); n++)
                {
                    counts[n] = reader.GetInt64(0);
                }
            }

            var unread = new long[wanted.Count];
            for (int n = 0; n < wanted.Count; n++)
            {
                var (index, readSeq, previous, start) = wanted[n];
                unread[n] = (previous >= 0 ? unread[previous] : start) + counts[n];
                var item = items[index];
                items[index] = item with { Unread = unread[n] };
                unreadCounts.Done(item.Owner, item.Message!.Peer, readSeq, item.Seq, unread[n]);
            }

            return items;
        }

        public async Task RemoveAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken = default)
        {
            await using var command = new NpgsqlCommand(Delete, connection);
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. ids] });
            await command.ExecuteNonQueryAsync(cancellationToken);
            _after = Math.Max(_after, ids.Max());
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
