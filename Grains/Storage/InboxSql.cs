namespace OrleansIm.Grains.Storage;

/// <summary>
/// The statements of inboxes (im_inbox) beside their read (<see cref="LogSql"/>). <see cref="Append"/> appends a whole
/// batch. Parameters: rows ($1 uid, $2 orig, $3 serial, $4 body index, 1-based into the bodies, $5 peer), bodies ($6 cmd,
/// $7 orig, $8 body) and $9 the time they are stored. Returns one row per input row: its ordinal, whether it was
/// stored, and its seq (the earlier row's seq for a duplicate (uid, orig, serial)).
/// </summary>
public static class InboxSql
{
    // Duplicates are found first and take no seq; the rest bump their inbox's head row (locked in uid order, so
    // two writers never deadlock on it) and are numbered from it in input order. The two rows of a private message
    // (same body, each the other's peer) learn each other's seq. Bodies referenced by no new row are not stored.
    // Everything happens in one statement, so one round trip writes the whole batch.
    public const string Append = FindRepeats + AppendSteps + AppendResult + RepeatResult;

    /// <summary>
    /// <see cref="Append"/>, and the rows' webhook events into im_outbox in the same statement: $10 each row's event
    /// kinds (bit kind-1: 1 message.offline, 2 message.stored), $11 each row's message.offline payload. A duplicate
    /// row records nothing.
    /// </summary>
    public const string AppendWithEvents = FindRepeats + AppendSteps + Events + AppendResult + RepeatResult;

    /// <summary>
    /// <see cref="Append"/> without looking for repeats first: every row is taken as new. A repeat then breaks the
    /// unique index im_inbox_idempotency and the whole statement fails, changing nothing; the batch is written again
    /// with <see cref="Append"/>. Repeats are rare (a client resending after a reconnect), and the look-up cost a
    /// probe of that index per row on top of the insert's own.
    /// </summary>
    public const string AppendTrusting = TakeAll + AppendSteps + AppendResult;

    /// <summary><see cref="AppendWithEvents"/> without looking for repeats first, as <see cref="AppendTrusting"/>.</summary>
    public const string AppendTrustingWithEvents = TakeAll + AppendSteps + Events + AppendResult;

    private const string Input = """
        WITH input AS (
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::bigint[]) WITH ORDINALITY AS t(uid, orig, serial, body, peer, ord)
        )
        """;

    private const string FindRepeats = Input + """
        , earlier AS (
            SELECT i.ord, x.seq FROM input i
            JOIN im_inbox x ON x.uid = i.uid AND x.orig = i.orig AND x.serial = i.serial AND x.serial <> 0
            WHERE i.serial <> 0
        ), fresh AS (
            SELECT i.* FROM input i WHERE NOT EXISTS (SELECT 1 FROM earlier e WHERE e.ord = i.ord)
        )
        """;

    private const string TakeAll = Input + """
        , fresh AS (
            SELECT * FROM input
        )
        """;

    private const string Events = """
        , events AS (
            INSERT INTO im_outbox (kind, log_kind, owner, seq, payload, created_at)
            SELECT k.kind, 1, n.uid, n.seq, CASE WHEN k.kind = 1 THEN ($11::text[])[n.ord] END, $9
            FROM numbered n CROSS JOIN (VALUES (1), (2)) AS k(kind)
            WHERE (($10::int[])[n.ord] & (1 << (k.kind - 1))) <> 0
            ORDER BY n.ord, k.kind
        )

        """;

    private const string AppendSteps = """
        , counts AS (
            SELECT uid, count(*) AS n FROM fresh GROUP BY uid
        ), heads AS (
            INSERT INTO im_inbox_head AS h (uid, head)
            SELECT uid, n FROM counts ORDER BY uid
            ON CONFLICT (uid) DO UPDATE SET head = h.head + excluded.head
            RETURNING uid, head
        ), numbered AS (
            SELECT f.ord, f.uid, f.orig, f.serial, f.body, f.peer,
                   h.head - c.n + row_number() OVER (PARTITION BY f.uid ORDER BY f.ord) AS seq
            FROM fresh f JOIN counts c ON c.uid = f.uid JOIN heads h ON h.uid = f.uid
        ), paired AS (
            SELECT n.*, coalesce(p.seq, 0) AS peer_seq
            FROM numbered n LEFT JOIN numbered p ON p.body = n.body AND p.ord <> n.ord AND n.peer <> 0 AND p.uid = n.peer
        ), bodies AS (
            SELECT b.idx, nextval('im_message_id_seq') AS id, b.cmd, b.orig, b.body
            FROM unnest($6::int[], $7::bigint[], $8::bytea[]) WITH ORDINALITY AS b(cmd, orig, body, idx)
            WHERE b.idx IN (SELECT body FROM numbered)
        ), stored AS (
            INSERT INTO im_message (id, cmd, orig, body, created_at) SELECT id, cmd, orig, body, $9 FROM bodies
        ), appended AS (
            INSERT INTO im_inbox (uid, seq, orig, serial, message_id, peer, peer_seq)
            SELECT n.uid, n.seq, n.orig, n.serial, b.id, n.peer, n.peer_seq FROM paired n JOIN bodies b ON b.idx = n.body
        )

        """;

    private const string AppendResult = """
        SELECT ord, true, seq FROM numbered

        """;

    private const string RepeatResult = """
        UNION ALL
        SELECT ord, false, seq FROM earlier
        """;

    public const string Head = "SELECT coalesce((SELECT head FROM im_inbox_head WHERE uid = $1), 0)";

    /// <summary>The columns every entry query below returns, in <see cref="StoredEntry"/>'s order.</summary>
    private const string Entry = "x.seq, m.cmd, x.orig, x.peer, x.peer_seq, m.id, m.created_at, m.body";

    /// <summary>$1 uid, $2 seq.</summary>
    public const string Get = $"SELECT {Entry} FROM im_inbox x JOIN im_message m ON m.id = x.message_id WHERE x.uid = $1 AND x.seq = $2";

    /// <summary>$1 uid: the latest row of each peer.</summary>
    public const string LatestPerPeer = $"""
        SELECT DISTINCT ON (x.peer) {Entry}
        FROM im_inbox x JOIN im_message m ON m.id = x.message_id
        WHERE x.uid = $1 AND x.peer <> 0
        ORDER BY x.peer, x.seq DESC
        """;

    /// <summary>$1 uid, $2 peer, $3 after seq.</summary>
    public const string CountFromPeer = "SELECT count(*) FROM im_inbox WHERE uid = $1 AND peer = $2 AND orig = $2 AND seq > $3";

    /// <summary>$1 uid, $2 peer, $3 at or below seq.</summary>
    public const string LastFromPeer = $"""
        SELECT {Entry} FROM im_inbox x JOIN im_message m ON m.id = x.message_id
        WHERE x.uid = $1 AND x.peer = $2 AND x.orig = $2 AND x.seq <= $3
        ORDER BY x.seq DESC LIMIT 1
        """;

    /// <summary>$1 uid, $2 seq, $3 body.</summary>
    public const string ReplaceBody = "UPDATE im_message SET body = $3 WHERE id = (SELECT message_id FROM im_inbox WHERE uid = $1 AND seq = $2)";
}
