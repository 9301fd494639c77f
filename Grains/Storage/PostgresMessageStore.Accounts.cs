using Npgsql;

namespace OrleansIm.Grains.Storage;

/// <summary>Erasing an account's inbox, and replacing the bodies it sent.</summary>
public sealed partial class PostgresMessageStore
{
    /// <summary>
    /// $1 uid: its inbox rows, the bodies no other inbox row names, and the webhook events of its inbox not yet
    /// posted; the head row stays. Returns the rows removed.
    /// </summary>
    private const string EraseInbox = """
        WITH gone AS (
            DELETE FROM im_inbox WHERE uid = $1 RETURNING message_id
        ), bodies AS (
            DELETE FROM im_message m WHERE m.id IN (SELECT message_id FROM gone)
              AND NOT EXISTS (SELECT 1 FROM im_inbox o WHERE o.message_id = m.id AND o.uid <> $1)
            RETURNING 1
        ), events AS (
            DELETE FROM im_outbox WHERE log_kind = 1 AND owner = $1 RETURNING 1
        )
        SELECT count(*) FROM gone
        """;

    /// <summary>$1 orig, $2 after id, $3 how many: the next bodies it made, oldest first.</summary>
    private const string SentBodies = "SELECT id, cmd, body FROM im_message WHERE orig = $1 AND id > $2 ORDER BY id LIMIT $3";

    private const string SetBody = "UPDATE im_message SET body = $2 WHERE id = $1";

    private const int SentPage = 500;

    public async Task<long> EraseInboxAsync(ulong uid, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(EraseInbox);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)uid });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> ReplaceSentAsync(ulong orig, Func<uint, byte[], byte[]?> replace, CancellationToken cancellationToken = default)
    {
        long replaced = 0, after = 0;
        while (true)
        {
            var page = new List<(long Id, byte[] Body)>();
            int read = 0;
            await using (var select = _dataSource.CreateCommand(SentBodies))
            {
                select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)orig });
                select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
                select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = SentPage });
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    read++;
                    after = reader.GetInt64(0);
                    if (replace((uint)reader.GetInt32(1), reader.GetFieldValue<byte[]>(2)) is { } body)
                    {
                        page.Add((after, body));
                    }
                }
            }

            if (page.Count > 0)
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
                await using var batch = new NpgsqlBatch(connection);
                foreach (var (id, body) in page)
                {
                    var update = new NpgsqlBatchCommand(SetBody);
                    update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
                    update.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = body });
                    batch.BatchCommands.Add(update);
                }

                await batch.ExecuteNonQueryAsync(cancellationToken);
                replaced += page.Count;
            }

            if (read < SentPage)
            {
                return replaced;
            }
        }
    }
}
