using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace OrleansIm.Grains.Storage.Retention;

/// <summary>
/// Retention in PostgreSQL mode. A round has up to three phases, each a series of small statements: messages older
/// than the cutoff (oldest first, in id order), then inboxes over the count, then group logs over the count. Each
/// step runs in its own short transaction that first takes a transaction-level advisory lock, so the silos of a
/// cluster never trim at the same moment; a silo that does not get it skips the round.
/// </summary>
/// <remarks>
/// Appends never wait on trimming: a step deletes old rows by primary key, and appends only insert new ones (an
/// inbox's seq comes from im_inbox_head, which trimming never touches; a group's from its newest entry, which
/// trimming always keeps). Finding the rows of a message needs indexes on message_id that writes do not otherwise
/// need, so they are created (concurrently) only when retention is turned on.
/// </remarks>
public sealed partial class PostgresRetention(NpgsqlDataSource dataSource, ILogger<PostgresRetention> log) : IMessageTrimmer
{
    public const long LockKey = 0x4F72_6C49_6D52_6554;

    /// <summary>Inboxes or groups looked at in one count step.</summary>
    private const int OwnersPerStep = 100;

    private static readonly string[] Indexes =
    [
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS im_inbox_message ON im_inbox (message_id)",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS im_group_log_message ON im_group_log (message_id)",
    ];

    private const string InvalidIndexes = """
        SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname IN ('im_inbox_message', 'im_group_log_message') AND NOT i.indisvalid
        """;

    /// <summary>$1 after id, $2 how many: the oldest messages and when they were stored.</summary>
    private const string OldestMessages = "SELECT id, created_at FROM im_message WHERE id > $1 ORDER BY id LIMIT $2";

    /// <summary>
    /// $1 message ids: removes their inbox rows, their group log rows except a log's newest, and the messages
    /// themselves except those a kept row names. Returns (inbox rows, group rows).
    /// </summary>
    private const string RemoveMessages = """
        WITH kept AS (
            SELECT g.message_id FROM im_group_log g
            WHERE g.message_id = ANY($1) AND g.seq = (SELECT max(h.seq) FROM im_group_log h WHERE h.gid = g.gid)
        ), inbox AS (
            DELETE FROM im_inbox WHERE message_id = ANY($1) RETURNING 1
        ), grp AS (
            DELETE FROM im_group_log WHERE message_id = ANY($1) AND message_id NOT IN (SELECT message_id FROM kept) RETURNING 1
        ), msg AS (
            DELETE FROM im_message WHERE id = ANY($1) AND id NOT IN (SELECT message_id FROM kept) RETURNING 1
        )
        SELECT (SELECT count(*) FROM inbox), (SELECT count(*) FROM grp), (SELECT count(*) FROM msg)
        """;

    /// <summary>
    /// $1 after uid, $2 max count, $3 most rows, $4 inboxes: the oldest rows beyond the newest $2 of the next $4
    /// inboxes, at most $3 of them, with the messages no other inbox row names. Returns (rows, last uid, inboxes).
    /// </summary>
    private const string TrimInboxes = """
        WITH h AS (
            SELECT uid, head FROM im_inbox_head WHERE uid > $1 ORDER BY uid LIMIT $4
        ), keys AS (
            SELECT k.uid, k.seq FROM h
            CROSS JOIN LATERAL (SELECT uid, seq FROM im_inbox WHERE uid = h.uid AND seq <= h.head - $2 ORDER BY seq LIMIT $3) k
            LIMIT $3
        ), doomed AS (
            DELETE FROM im_inbox i USING keys WHERE i.uid = keys.uid AND i.seq = keys.seq
            RETURNING i.uid, i.seq, i.message_id
        ), msg AS (
            DELETE FROM im_message m WHERE m.id IN (SELECT message_id FROM doomed)
              AND NOT EXISTS (SELECT 1 FROM im_inbox o WHERE o.message_id = m.id AND (o.uid, o.seq) NOT IN (SELECT uid, seq FROM doomed))
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM doomed), coalesce((SELECT max(uid) FROM h), 0), (SELECT count(*) FROM h)
        """;

    /// <summary>
    /// $1 after gid, $2 max count, $3 most rows, $4 groups: as <see cref="TrimInboxes"/> for the next $4 group logs
    /// (found by skipping through the primary key). A group message is named by one row only.
    /// </summary>
    private const string TrimGroups = """
        WITH RECURSIVE g AS (
            (SELECT gid FROM im_group_log WHERE gid > $1 ORDER BY gid LIMIT 1)
            UNION ALL
            SELECT (SELECT x.gid FROM im_group_log x WHERE x.gid > g.gid ORDER BY x.gid LIMIT 1) FROM g WHERE g.gid IS NOT NULL
        ), gids AS (
            SELECT gid FROM g WHERE gid IS NOT NULL LIMIT $4
        ), b AS (
            SELECT gids.gid, (SELECT max(seq) FROM im_group_log x WHERE x.gid = gids.gid) AS head FROM gids
        ), keys AS (
            SELECT k.gid, k.seq FROM b
            CROSS JOIN LATERAL (SELECT gid, seq FROM im_group_log WHERE gid = b.gid AND seq <= b.head - $2 ORDER BY seq LIMIT $3) k
            LIMIT $3
        ), doomed AS (
            DELETE FROM im_group_log x USING keys WHERE x.gid = keys.gid AND x.seq = keys.seq RETURNING x.message_id
        ), msg AS (
            DELETE FROM im_message WHERE id IN (SELECT message_id FROM doomed) RETURNING 1
        )
        SELECT (SELECT count(*) FROM doomed), coalesce((SELECT max(gid) FROM gids), 0), (SELECT count(*) FROM gids)
        """;

    private bool _indexed;
    private Phase _phase = Phase.Start;
    private long _cursor;

    private enum Phase
    {
        Start,
        Age,
        Inboxes,
        Groups,
    }

    public async Task<TrimStep> TrimAsync(RetentionOptions options, DateTimeOffset? cutoff, CancellationToken cancellationToken)
    {
        if (!_indexed)
        {
            await CreateIndexesAsync(cancellationToken);
            _indexed = true;
        }

        if (_phase == Phase.Start)
        {
            Next(options, Phase.Start);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var locking = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock($1)", connection, transaction))
        {
            locking.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
            if (!(bool)(await locking.ExecuteScalarAsync(cancellationToken))!)
            {
                // Another silo is trimming: this round is its.
                _phase = Phase.Start;
                return new TrimStep(0, 0, Done: true);
            }
        }

        var step = _phase switch
        {
            Phase.Age => await AgeStepAsync(connection, transaction, options, cutoff!.Value, cancellationToken),
            Phase.Inboxes => await CountStepAsync(connection, transaction, TrimInboxes, options, inbox: true, cancellationToken),
            _ => await CountStepAsync(connection, transaction, TrimGroups, options, inbox: false, cancellationToken),
        };
        await transaction.CommitAsync(cancellationToken);
        return step;
    }

    /// <summary>The oldest messages: those stored before the cutoff go; the phase ends at the first one that is younger.</summary>
    private async Task<TrimStep> AgeStepAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RetentionOptions options, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var ids = new List<long>();
        var reachedYoung = false;
        var read = 0;
        await using (var oldest = new NpgsqlCommand(OldestMessages, connection, transaction))
        {
            oldest.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _cursor });
            oldest.Parameters.Add(new NpgsqlParameter<int> { TypedValue = options.BatchSize });
            await using var reader = await oldest.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                read++;
                if (reader.GetFieldValue<DateTimeOffset>(1) >= cutoff)
                {
                    reachedYoung = true;
                    break;
                }

                ids.Add(reader.GetInt64(0));
            }
        }

        long inbox = 0, group = 0;
        if (ids.Count > 0)
        {
            await using var remove = new NpgsqlCommand(RemoveMessages, connection, transaction);
            remove.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. ids], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            await using var reader = await remove.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (inbox, group) = (reader.GetInt64(0), reader.GetInt64(1));
            _cursor = ids[^1];
        }

        if (reachedYoung || read < options.BatchSize)
        {
            return Next(options, Phase.Age) with { Inbox = inbox, Group = group };
        }

        return new TrimStep(inbox, group, Done: false);
    }

    /// <summary>The next owners' rows beyond the count; the same owners again while a step removed all it may.</summary>
    private async Task<TrimStep> CountStepAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, RetentionOptions options, bool inbox, CancellationToken cancellationToken)
    {
        long removed, last, owners;
        await using (var trim = new NpgsqlCommand(sql, connection, transaction))
        {
            trim.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _cursor });
            trim.Parameters.Add(new NpgsqlParameter<long> { TypedValue = options.MaxCount });
            trim.Parameters.Add(new NpgsqlParameter<int> { TypedValue = options.BatchSize });
            trim.Parameters.Add(new NpgsqlParameter<int> { TypedValue = OwnersPerStep });
            await using var reader = await trim.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (removed, last, owners) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        var step = inbox ? new TrimStep(removed, 0, false) : new TrimStep(0, removed, false);
        if (removed >= options.BatchSize)
        {
            // Some of these owners may have more to remove: look at them again.
            return step;
        }

        if (owners < OwnersPerStep)
        {
            return Next(options, _phase) with { Inbox = step.Inbox, Group = step.Group };
        }

        _cursor = last;
        return step;
    }

    /// <summary>Moves to the phase after <paramref name="after"/> that the settings ask for; the round is done after the last.</summary>
    private TrimStep Next(RetentionOptions options, Phase after)
    {
        _cursor = 0;
        _phase = after switch
        {
            Phase.Start when options.MaxAge > TimeSpan.Zero => Phase.Age,
            Phase.Start or Phase.Age when options.MaxCount > 0 => Phase.Inboxes,
            Phase.Inboxes => Phase.Groups,
            _ => Phase.Start,
        };
        return new TrimStep(0, 0, Done: _phase == Phase.Start);
    }

    /// <summary>The message_id indexes trimming needs, built without blocking writes (an interrupted build is dropped and made again).</summary>
    private async Task CreateIndexesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var locking = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection))
        {
            locking.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
            await locking.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var invalid = new List<string>();
            await using (var find = new NpgsqlCommand(InvalidIndexes, connection))
            await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    invalid.Add(reader.GetString(0));
                }
            }

            foreach (var name in invalid)
            {
                await using var drop = new NpgsqlCommand($"DROP INDEX CONCURRENTLY IF EXISTS {name}", connection);
                await drop.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var sql in Indexes)
            {
                await using var create = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            LogIndexed(log);
        }
        finally
        {
            await using var unlocking = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            unlocking.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
            await unlocking.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    [LoggerMessage(EventId = 8024, Level = LogLevel.Information, Message = "Retention: the message_id indexes of im_inbox and im_group_log are in place")]
    private static partial void LogIndexed(ILogger logger);
}
