namespace OrleansIm.Grains.Storage;

/// <summary>
/// The statements of one log table (an inbox or a group log: same shape, owner column uid or gid). Parameters of
/// Append (group logs; inboxes are appended by <see cref="InboxSql"/>): $1 owner, $2 cmd, $3 orig, $4 serial,
/// $5 body.
/// </summary>
public sealed class LogSql(string table, string owner)
{
    // "earlier" finds a duplicate (owner, orig, serial); only when there is none are the body and the row written,
    // at the log's next seq. The appends of one batch run in order in one transaction, each seeing the rows of the
    // ones before it, so they are numbered in the order they were made. A concurrent writer of the same log (two
    // activations of one group during a partition) meets the primary key and its batch is written again.
    public string Append { get; } = $"""
        WITH earlier AS (
            SELECT seq, message_id FROM {table} WHERE {owner} = $1 AND orig = $3 AND serial = $4 AND $4 <> 0
        ), message AS (
            INSERT INTO im_message (cmd, orig, body)
            SELECT $2, $3, $5 WHERE NOT EXISTS (SELECT 1 FROM earlier)
            RETURNING id
        ), inserted AS (
            INSERT INTO {table} ({owner}, seq, orig, serial, message_id)
            SELECT $1, coalesce((SELECT max(seq) FROM {table} WHERE {owner} = $1), 0) + 1, $3, $4, id FROM message
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
