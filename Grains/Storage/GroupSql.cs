namespace OrleansIm.Grains.Storage;

/// <summary>The statements of group logs (im_group_log) beside their read (<see cref="LogSql"/>).</summary>
public static class GroupSql
{
    /// <summary>
    /// One append. Parameters: $1 gid, $2 cmd, $3 orig, $4 serial, $5 body, $6 the time it is stored. Returns
    /// (stored, seq, message id).
    /// </summary>
    /// <remarks>
    /// "earlier" finds a duplicate (gid, orig, serial); only when there is none are the body and the row written, at
    /// the log's next seq. The appends of one batch run in order in one transaction, each seeing the rows of the ones
    /// before it, so they are numbered in the order they were made. A concurrent writer of the same log (two
    /// activations of one group during a partition) meets the primary key and its batch is written again.
    /// </remarks>
    public const string Append = AppendSteps + AppendResult;

    /// <summary>
    /// <see cref="Append"/>, and its webhook events into im_outbox in the same statement: $7 the event kinds (bit
    /// kind-1: 1 message.offline, 2 message.stored), $8 the message.offline payload. A duplicate records nothing.
    /// </summary>
    public const string AppendWithEvents = AppendSteps + """
        , events AS (
            INSERT INTO im_outbox (kind, log_kind, owner, seq, payload, created_at)
            SELECT k.kind, 2, $1, i.seq, CASE WHEN k.kind = 1 THEN $8 END, $6
            FROM inserted i CROSS JOIN (VALUES (1), (2)) AS k(kind)
            WHERE ($7::int & (1 << (k.kind - 1))) <> 0
            ORDER BY k.kind
        )

        """ + AppendResult;

    private const string AppendSteps = """
        WITH earlier AS (
            SELECT seq, message_id FROM im_group_log WHERE gid = $1 AND orig = $3 AND serial = $4 AND $4 <> 0
        ), message AS (
            INSERT INTO im_message (cmd, orig, body, created_at)
            SELECT $2, $3, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM earlier)
            RETURNING id
        ), inserted AS (
            INSERT INTO im_group_log (gid, seq, orig, serial, message_id)
            SELECT $1, coalesce((SELECT max(seq) FROM im_group_log WHERE gid = $1), 0) + 1, $3, $4, id FROM message
            RETURNING seq, message_id
        )

        """;

    private const string AppendResult = """
        SELECT true, seq, message_id FROM inserted
        UNION ALL
        SELECT false, seq, message_id FROM earlier
        """;

    public const string Head = "SELECT coalesce(max(seq), 0) FROM im_group_log WHERE gid = $1";

    private const string Entry = "x.seq, m.cmd, x.orig, 0::bigint, 0::bigint, m.id, m.created_at, m.body";

    /// <summary>$1 gid, $2 seq.</summary>
    public const string Get = $"SELECT {Entry} FROM im_group_log x JOIN im_message m ON m.id = x.message_id WHERE x.gid = $1 AND x.seq = $2";

    /// <summary>$1 gid: the latest entry with a sender.</summary>
    public const string LastMessage = $"""
        SELECT {Entry} FROM im_group_log x JOIN im_message m ON m.id = x.message_id
        WHERE x.gid = $1 AND x.orig <> 0
        ORDER BY x.seq DESC LIMIT 1
        """;

    /// <summary>$1 gid, $2 after seq, $3 reader.</summary>
    public const string CountMessages = "SELECT count(*) FROM im_group_log WHERE gid = $1 AND seq > $2 AND orig <> 0 AND orig <> $3";

    /// <summary>$1 gid, $2 seq, $3 body.</summary>
    public const string ReplaceBody = "UPDATE im_message SET body = $3 WHERE id = (SELECT message_id FROM im_group_log WHERE gid = $1 AND seq = $2)";
}
