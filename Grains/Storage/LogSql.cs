namespace OrleansIm.Grains.Storage;

/// <summary>
/// The read of one log table (an inbox or a group log: same shape, owner column uid or gid). Parameters: $1 owner,
/// $2 after seq, $3 most rows. Appends are <see cref="InboxSql.Append"/> and <see cref="GroupSql.Append"/>.
/// </summary>
public sealed class LogSql(string table, string owner)
{
    public string Read { get; } = $"""
        SELECT l.seq, m.cmd, m.body
        FROM {table} l JOIN im_message m ON m.id = l.message_id
        WHERE l.{owner} = $1 AND l.seq > $2
        ORDER BY l.seq
        LIMIT $3
        """;
}
