using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Storage;

/// <summary>
/// The message store on PostgreSQL (tables im_message, im_inbox and im_group_log). Appends from all grains queue up and are
/// written in batches: one transaction, one round trip, for up to <see cref="MessageStoreOptions.MaxBatch"/>
/// appends; each caller's task completes only after that transaction committed.
/// </summary>
public sealed partial class PostgresMessageStore : IMessageStore, IAsyncDisposable
{
    private static readonly LogSql Inbox = new("im_inbox", "uid");
    private static readonly LogSql Group = new("im_group_log", "gid");

    private readonly NpgsqlDataSource _dataSource;
    private readonly MessageStoreOptions _options;
    private readonly ILogger<PostgresMessageStore> _logger;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>();
    private readonly Task[] _writers;

    private readonly System.Diagnostics.Metrics.Histogram<double>? _appendLatency;

    public PostgresMessageStore(NpgsqlDataSource dataSource, IOptions<MessageStoreOptions> options, ILogger<PostgresMessageStore> logger, System.Diagnostics.Metrics.IMeterFactory? meters = null)
    {
        _appendLatency = meters?.Create(new System.Diagnostics.Metrics.MeterOptions("OrleansIm")).CreateHistogram<double>("im.store.append.duration", unit: "ms", description: "From an append's request to its commit");
        _dataSource = dataSource;
        _options = options.Value;
        _logger = logger;
        _writers = Enumerable.Range(0, _options.Writers).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
    }

    public Task<AppendResult> AppendAsync(LogAppend entry, CancellationToken cancellationToken = default)
    {
        var pending = new PendingAppend(entry, new TaskCompletionSource<AppendResult>(TaskCreationOptions.RunContinuationsAsynchronously), System.Diagnostics.Stopwatch.GetTimestamp());
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("the message store is shut down");
        }

        return pending.Result.Task.WaitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<LogEntry>> ReadAsync(LogKind kind, ulong owner, ulong afterSeq, int max, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(SqlOf(kind).Read);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)owner });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)afterSeq });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<LogEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new LogEntry((ulong)reader.GetInt64(0), (uint)reader.GetInt32(1), reader.GetFieldValue<byte[]>(2)));
        }

        return entries;
    }

    public async Task<ulong> GetHeadAsync(LogKind kind, ulong owner, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(SqlOf(kind).Head);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)owner });
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
            var append = new NpgsqlBatchCommand(SqlOf(e.Kind).Append);
            append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)e.Owner });
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
                _appendLatency?.Record(System.Diagnostics.Stopwatch.GetElapsedTime(batch[i].Queued).TotalMilliseconds);
                batch[i].Result.TrySetResult(result);
            }
            else
            {
                var e = batch[i].Entry;
                batch[i].Result.TrySetException(new InvalidOperationException($"{e.Kind} {e.Owner}: seq {e.Seq} is taken"));
            }
        }
    }

    private static LogSql SqlOf(LogKind kind) => kind == LogKind.Inbox ? Inbox : Group;

    private sealed record PendingAppend(LogAppend Entry, TaskCompletionSource<AppendResult> Result, long Queued);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Error, Message = "Writing a batch of {Count} inbox appends failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception ex, int count);
}
