namespace OrleansIm.Grains.Storage;

/// <summary>
/// The one statement that appends a batch of inbox rows. Parameters: rows ($1 uid, $2 orig, $3 serial, $4 body
/// index, 1-based into the bodies) and bodies ($5 cmd, $6 orig, $7 body). Returns one row per input row: its
/// ordinal, whether it was stored, and its seq (the earlier row's seq for a duplicate (uid, orig, serial)).
/// </summary>
public static class InboxSql
{
    // Duplicates are found first and take no seq; the rest bump their inbox's head row (locked in uid order, so
    // two writers never deadlock on it) and are numbered from it in input order. Bodies referenced by no new row
    // are not stored. Everything happens in one statement, so one round trip writes the whole batch.
    public const string Append = """
        WITH input AS (
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[]) WITH ORDINALITY AS t(uid, orig, serial, body, ord)
        ), earlier AS (
            SELECT i.ord, x.seq FROM input i
            JOIN im_inbox x ON x.uid = i.uid AND x.orig = i.orig AND x.serial = i.serial AND x.serial <> 0
            WHERE i.serial <> 0
        ), fresh AS (
            SELECT i.* FROM input i WHERE NOT EXISTS (SELECT 1 FROM earlier e WHERE e.ord = i.ord)
        ), counts AS (
            SELECT uid, count(*) AS n FROM fresh GROUP BY uid
        ), heads AS (
            INSERT INTO im_inbox_head AS h (uid, head)
            SELECT uid, n FROM counts ORDER BY uid
            ON CONFLICT (uid) DO UPDATE SET head = h.head + excluded.head
            RETURNING uid, head
        ), numbered AS (
            SELECT f.ord, f.uid, f.orig, f.serial, f.body,
                   h.head - c.n + row_number() OVER (PARTITION BY f.uid ORDER BY f.ord) AS seq
            FROM fresh f JOIN counts c ON c.uid = f.uid JOIN heads h ON h.uid = f.uid
        ), bodies AS (
            SELECT b.idx, nextval('im_message_id_seq') AS id, b.cmd, b.orig, b.body
            FROM unnest($5::int[], $6::bigint[], $7::bytea[]) WITH ORDINALITY AS b(cmd, orig, body, idx)
            WHERE b.idx IN (SELECT body FROM numbered)
        ), stored AS (
            INSERT INTO im_message (id, cmd, orig, body) SELECT id, cmd, orig, body FROM bodies
        ), appended AS (
            INSERT INTO im_inbox (uid, seq, orig, serial, message_id)
            SELECT n.uid, n.seq, n.orig, n.serial, b.id FROM numbered n JOIN bodies b ON b.idx = n.body
        )
        SELECT ord, true, seq FROM numbered
        UNION ALL
        SELECT ord, false, seq FROM earlier
        """;

    public const string Head = "SELECT coalesce((SELECT head FROM im_inbox_head WHERE uid = $1), 0)";
}
