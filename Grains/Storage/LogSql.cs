namespace OrleansIm.Grains.Storage;

/// <summary>
/// The statements of one log table (an inbox or a group log: same shape, owner column uid or gid). Parameters of
/// Append: $1 owner, $2 seq, $3 cmd, $4 orig, $5 serial, $6 body, $7 message id (0 = store the body).
/// </summary>
public sealed class LogSql(string table, string owner)
{
    // "earlier" finds a duplicate (owner, orig, serial); only when there is none is the body stored (unless the
    // entry reuses a stored message) and the log row written.
    public string Append { get; } = $"""
        WITH earlier AS (
            SELECT seq, message_id FROM {table} WHERE {owner} = $1 AND orig = $4 AND serial = $5 AND $5 <> 0
        ), new_message AS (
            INSERT INTO im_message (cmd, orig, body)
            SELECT $3, $4, $6 WHERE $7 = 0 AND NOT EXISTS (SELECT 1 FROM earlier)
            RETURNING id
        ), message AS (
            SELECT id FROM new_message
            UNION ALL
            SELECT $7 WHERE $7 <> 0 AND NOT EXISTS (SELECT 1 FROM earlier)
        ), inserted AS (
            INSERT INTO {table} ({owner}, seq, orig, serial, message_id)
            SELECT $1, $2, $4, $5, id FROM message
            ON CONFLICT DO NOTHING
            RETURNING seq, message_id
        )
        SELECT true, seq, message_id FROM inserted
        UNION ALL
        SELECT false, seq, message_id FROM earlier
        """;

    public string Read { get; } = $"""
        SELECT l.seq, m.cmd, m.body
        FROM {table} l JOIN im_message m ON m.id = l.message_id
        WHERE l.{owner} = $1 AND l.seq > $2
        ORDER BY l.seq
        LIMIT $3
        """;

    public string Head { get; } = $"SELECT coalesce(max(seq), 0) FROM {table} WHERE {owner} = $1";
}
