using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Storage;

/// <summary>
/// The message store on PostgreSQL (tables im_message and im_inbox). Appends from all grains queue up and are
/// written in batches: one transaction, one round trip, for up to <see cref="MessageStoreOptions.MaxBatch"/>
/// appends; each caller's task completes only after that transaction committed.
/// </summary>
public sealed partial class PostgresMessageStore : IMessageStore, IAsyncDisposable
{
    // One statement per append. "earlier" finds a duplicate (uid, orig, serial); only when there is none is the
    // body stored (unless the entry reuses a stored message) and the inbox row written.
    private const string AppendSql = """
        WITH earlier AS (
            SELECT seq, message_id FROM im_inbox WHERE uid = $1 AND orig = $4 AND serial = $5 AND $5 <> 0
        ), new_message AS (
            INSERT INTO im_message (cmd, orig, body)
            SELECT $3, $4, $6 WHERE $7 = 0 AND NOT EXISTS (SELECT 1 FROM earlier)
            RETURNING id
        ), message AS (
            SELECT id FROM new_message
            UNION ALL
            SELECT $7 WHERE $7 <> 0 AND NOT EXISTS (SELECT 1 FROM earlier)
        ), inserted AS (
            INSERT INTO im_inbox (uid, seq, orig, serial, message_id)
            SELECT $1, $2, $4, $5, id FROM message
            ON CONFLICT DO NOTHING
            RETURNING seq, message_id
        )
        SELECT true, seq, message_id FROM inserted
        UNION ALL
        SELECT false, seq, message_id FROM earlier
        """;

    private const string ReadSql = """
        SELECT i.seq, m.cmd, m.body
        FROM im_inbox i JOIN im_message m ON m.id = i.message_id
        WHERE i.uid = $1 AND i.seq > $2
        ORDER BY i.seq
        LIMIT $3
        """;

    private const string HeadSql = "SELECT coalesce(max(seq), 0) FROM im_inbox WHERE uid = $1";

    private readonly NpgsqlDataSource _dataSource;
    private readonly MessageStoreOptions _options;
    private readonly ILogger<PostgresMessageStore> _logger;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>();
    private readonly Task[] _writers;

    public PostgresMessageStore(NpgsqlDataSource dataSource, IOptions<MessageStoreOptions> options, ILogger<PostgresMessageStore> logger)
    {
        _dataSource = dataSource;
        _options = options.Value;
        _logger = logger;
        _writers = Enumerable.Range(0, _options.Writers).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
    }

    public Task<AppendResult> AppendAsync(InboxAppend entry, CancellationToken cancellationToken = default)
    {
        var pending = new PendingAppend(entry, new TaskCompletionSource<AppendResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("the message store is shut down");
        }

        return pending.Result.Task.WaitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<InboxEntry>> ReadInboxAsync(ulong uid, ulong afterSeq, int max, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(ReadSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)uid });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)afterSeq });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<InboxEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new InboxEntry((ulong)reader.GetInt64(0), (uint)reader.GetInt32(1), reader.GetFieldValue<byte[]>(2)));
        }

        return entries;
    }

    public async Task<ulong> GetInboxHeadAsync(ulong uid, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(HeadSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)uid });
        return (ulong)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingAppend>(_options.MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                await WriteBatchAsync(batch);
            }
            catch (Exception ex)
            {
                // Nothing of the batch committed: every caller learns it failed and keeps its memory as it was.
                LogBatchFailed(_logger, ex, batch.Count);
                foreach (var pending in batch)
                {
                    pending.Result.TrySetException(ex);
                }
            }
        }
    }

    private async Task WriteBatchAsync(List<PendingAppend> batch)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlBatch(connection, transaction);
        foreach (var pending in batch)
        {
            var e = pending.Entry;
            var append = new NpgsqlBatchCommand(AppendSql);
            append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)e.Uid });
            append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)e.Seq });
            append.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)e.Cmd });
            append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)e.Orig });
            append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)e.Serial });
            append.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = e.Body, NpgsqlDbType = NpgsqlDbType.Bytea });
            append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.MessageId });
            command.BatchCommands.Add(append);
        }

        var results = new AppendResult?[batch.Count];
        await using (var reader = await command.ExecuteReaderAsync())
        {
            for (int i = 0; i < batch.Count; i++)
            {
                if (await reader.ReadAsync())
                {
                    results[i] = new AppendResult(reader.GetBoolean(0), (ulong)reader.GetInt64(1), reader.GetInt64(2));
                }

                await reader.NextResultAsync();
            }
        }

        await transaction.CommitAsync();
        for (int i = 0; i < batch.Count; i++)
        {
            if (results[i] is { } result)
            {
                batch[i].Result.TrySetResult(result);
            }
            else
            {
                var e = batch[i].Entry;
                batch[i].Result.TrySetException(new InvalidOperationException($"inbox {e.Uid}: seq {e.Seq} is taken"));
            }
        }
    }

    private sealed record PendingAppend(InboxAppend Entry, TaskCompletionSource<AppendResult> Result);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Error, Message = "Writing a batch of {Count} inbox appends failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception ex, int count);
}
