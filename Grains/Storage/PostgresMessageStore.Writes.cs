using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace OrleansIm.Grains.Storage;

/// <summary>The write queues and their writer loops: batching, the statements of a batch, and retries.</summary>
public sealed partial class PostgresMessageStore
{
    private void Enqueue(ulong owner, PendingWrite pending)
    {
        if (!_queues[QueueOf(owner, _queues.Length)].Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("the message store is shut down");
        }
    }

    /// <summary>
    /// The queue of an inbox or group: its id mixed (Fibonacci hashing) before the modulo, so that ids sharing a
    /// pattern (all odd, all multiples of the queue count) still spread over every queue.
    /// </summary>
    public static int QueueOf(ulong owner, int queues) => (int)(((owner * 0x9E3779B97F4A7C15UL) >> 32) % (ulong)queues);

    private async Task WriteLoopAsync(ChannelReader<PendingWrite> reader, CancellationToken cancellationToken)
    {
        // Off the caller's context: the loops outlive the call that started them.
        await Task.Yield();
        var batch = new List<PendingWrite>(_options.MaxBatch);
        await using var connection = new WriterConnection(_dataSource);
        try
        {
            await WriteBatchesAsync(reader, batch, connection, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped before everything was written: nothing unwritten may leave its caller waiting.
            var stopped = new OperationCanceledException("the message store stopped before this append was written", cancellationToken);
            foreach (var pending in batch)
            {
                pending.Fail(stopped);
            }

            while (reader.TryRead(out var left))
            {
                left.Fail(stopped);
            }
        }
    }

    private async Task WriteBatchesAsync(ChannelReader<PendingWrite> reader, List<PendingWrite> batch, WriterConnection connection, CancellationToken cancellationToken)
    {
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            batch.Clear();
            var size = 0;
            while (size < _options.MaxBatch && reader.TryRead(out var pending))
            {
                batch.Add(pending);
                size += pending.Size;
            }

            if (batch.Count == 0)
            {
                continue;
            }

            // The first attempt takes every inbox row as new; a repeat among them fails it with a unique violation
            // on the idempotency index, and the next attempt looks for repeats first.
            var findRepeats = false;
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await WriteBatchAsync(await connection.GetAsync(cancellationToken), batch, findRepeats, cancellationToken);
                    break;
                }
                catch (PostgresException ex) when (!findRepeats && ex.SqlState is PostgresErrorCodes.UniqueViolation && ex.ConstraintName == IdempotencyIndex)
                {
                    LogBatchHadRepeat(_logger, size);
                    findRepeats = true;
                }
                catch (PostgresException ex) when (attempt < MaxAttempts && ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected)
                {
                    LogBatchRetried(_logger, size, ex.SqlState);
                    findRepeats = true;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // Nothing of the batch committed: every caller learns it failed and keeps its memory as it was.
                    // The connection may be broken: the next batch opens another.
                    await connection.DropAsync();
                    LogBatchFailed(_logger, ex, size);
                    foreach (var pending in batch)
                    {
                        pending.Fail(ex);
                    }

                    break;
                }
            }
        }
    }

    private async Task WriteBatchAsync(NpgsqlConnection connection, List<PendingWrite> batch, bool findRepeats, CancellationToken cancellationToken)
    {
        // No explicit transaction: the statements of a batch go in one round trip ending with one Sync, which
        // PostgreSQL runs as one implicit transaction, all or nothing, committed before it answers the Sync. The
        // reader is read to that answer (its disposal below), so the batch is durable once the block is left; an
        // explicit COMMIT cost a second round trip per batch.
        await using var command = new NpgsqlBatch(connection);
        var created = _time.GetUtcNow();
        var groups = new List<GroupWrite>();
        var inbox = new InboxBatch();
        foreach (var pending in batch)
        {
            if (pending is GroupWrite group)
            {
                groups.Add(group);
                command.BatchCommands.Add(GroupCommand(group.Entry, created));
            }
            else
            {
                inbox.Add((InboxWrite)pending);
            }
        }

        if (inbox.RowCount > 0)
        {
            command.BatchCommands.Add(inbox.ToCommand(created, findRepeats));
        }

        var groupResults = new AppendResult?[groups.Count];
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            for (int i = 0; i < groups.Count; i++)
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    groupResults[i] = new AppendResult(reader.GetBoolean(0), (ulong)reader.GetInt64(1), reader.GetInt64(2));
                }

                await reader.NextResultAsync(cancellationToken);
            }

            if (inbox.RowCount > 0)
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    inbox.SetRow((int)reader.GetInt64(0), reader.GetBoolean(1), (ulong)reader.GetInt64(2));
                }
            }
        }

        var appends = groups.Count + inbox.EntryCount;
        _batchSize?.Record(appends);
        Appended(appends);
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < groups.Count; i++)
        {
            _appendLatency?.Record(System.Diagnostics.Stopwatch.GetElapsedTime(groups[i].Queued, now).TotalMilliseconds);
            if (groupResults[i] is { } result)
            {
                groups[i].Result.TrySetResult(result);
            }
            else
            {
                var e = groups[i].Entry;
                groups[i].Result.TrySetException(new InvalidOperationException($"{e.Kind} {e.Owner}: the append returned no row"));
            }
        }

        inbox.Complete(_appendLatency, now);
    }

    private static NpgsqlBatchCommand GroupCommand(LogAppend e, DateTimeOffset created)
    {
        var append = new NpgsqlBatchCommand(e.Events is null ? GroupSql.Append : GroupSql.AppendWithEvents);
        append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)e.Owner });
        append.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)e.Cmd });
        append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)e.Orig });
        append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)e.Serial });
        append.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = e.Body, NpgsqlDbType = NpgsqlDbType.Bytea });
        append.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = created, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        if (e.Events is { } events)
        {
            append.Parameters.Add(new NpgsqlParameter<int> { TypedValue = events.Flags });
            append.Parameters.Add(new NpgsqlParameter { Value = (object?)events.Payload ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        }

        return append;
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Error, Message = "Writing a batch of {Count} appends failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception ex, int count);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "A batch of {Count} appends met a concurrent writer ({SqlState}); writing it again")]
    private static partial void LogBatchRetried(ILogger logger, int count, string sqlState);

    [LoggerMessage(EventId = 8012, Level = LogLevel.Debug, Message = "A batch of {Count} appends held a repeat of a stored message; writing it again, looking for repeats")]
    private static partial void LogBatchHadRepeat(ILogger logger, int count);
}
