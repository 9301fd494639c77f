using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Storage;

/// <summary>
/// The message store on PostgreSQL (tables im_message, im_inbox, im_inbox_head and im_group_log). Appends from all
/// grains queue up and are group-committed: one transaction, one round trip and one fsync for up to
/// <see cref="MessageStoreOptions.MaxBatch"/> appends; each caller's task completes only after that commit.
/// </summary>
/// <remarks>
/// There are <see cref="MessageStoreOptions.Writers"/> queues, each with its own writer and connection; an append
/// goes to the queue of its receiving inbox (a CHAT's sender copy rides with it) or of its group, so the appends to
/// one receiving inbox or one group log are written, and numbered, in the order they were made, while different
/// ones commit concurrently. A sender's own inbox takes rows from the queues of everyone it writes to: each row
/// locks that inbox's head in the same statement, so its seqs stay gap-free. The writer loops run while
/// <see cref="RunAsync"/> runs, owned by <see cref="MessageStoreWriters"/>.
/// </remarks>
public sealed partial class PostgresMessageStore : IMessageStore
{
    private static readonly LogSql InboxLog = new("im_inbox", "uid");
    private static readonly LogSql GroupLog = new("im_group_log", "gid");

    // A concurrent writer (another silo, or another queue here) stored a duplicate or locked heads in the other
    // order first: the batch rolled back whole and is simply written again.
    private const int MaxAttempts = 3;

    /// <summary>The unique index that makes (uid, orig, serial) land in an inbox once.</summary>
    private const string IdempotencyIndex = "im_inbox_idempotency";

    private readonly NpgsqlDataSource _dataSource;
    private readonly MessageStoreOptions _options;
    private readonly ILogger<PostgresMessageStore> _logger;
    private readonly Channel<PendingWrite>[] _queues;

    private readonly System.Diagnostics.Metrics.Histogram<double>? _appendLatency;
    private readonly System.Diagnostics.Metrics.Histogram<int>? _batchSize;

    private readonly TimeProvider _time;

    public PostgresMessageStore(
        NpgsqlDataSource dataSource,
        IOptions<MessageStoreOptions> options,
        [FromKeyedServices(ImClock.Key)] TimeProvider time,
        ILogger<PostgresMessageStore> logger,
        System.Diagnostics.Metrics.IMeterFactory? meters = null)
    {
        _time = time;
        var meter = meters?.Create(new System.Diagnostics.Metrics.MeterOptions("OrleansIm"));
        _appendLatency = meter?.CreateHistogram<double>("im.store.append.duration", unit: "ms", description: "From an append's request to its commit");
        _batchSize = meter?.CreateHistogram<int>("im.store.batch.size", unit: "{append}", description: "Appends committed together");
        _dataSource = dataSource;
        _options = options.Value;
        _logger = logger;
        _queues = Enumerable.Range(0, _options.Writers)
            .Select(_ => Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true }))
            .ToArray();
    }

    public Task<StoredEntry?> GetEntryAsync(LogKind kind, ulong owner, ulong seq, CancellationToken cancellationToken = default) =>
        QueryOneAsync(kind == LogKind.Inbox ? InboxSql.Get : GroupSql.Get, cancellationToken, (long)owner, (long)seq);

    public async Task<IReadOnlyList<StoredEntry>> LatestPerPeerAsync(ulong uid, CancellationToken cancellationToken = default) =>
        await QueryAsync(InboxSql.LatestPerPeer, cancellationToken, (long)uid);

    public Task<int> CountFromPeerAsync(ulong uid, ulong peer, ulong afterSeq, CancellationToken cancellationToken = default) =>
        CountAsync(InboxSql.CountFromPeer, cancellationToken, (long)uid, (long)peer, (long)afterSeq);

    public Task<StoredEntry?> LastFromPeerAsync(ulong uid, ulong peer, ulong atOrBelow, CancellationToken cancellationToken = default) =>
        QueryOneAsync(InboxSql.LastFromPeer, cancellationToken, (long)uid, (long)peer, (long)Math.Min(atOrBelow, long.MaxValue));

    public Task<StoredEntry?> LastGroupMessageAsync(ulong gid, CancellationToken cancellationToken = default) =>
        QueryOneAsync(GroupSql.LastMessage, cancellationToken, (long)gid);

    public Task<int> CountGroupMessagesAsync(ulong gid, ulong afterSeq, ulong reader, CancellationToken cancellationToken = default) =>
        CountAsync(GroupSql.CountMessages, cancellationToken, (long)gid, (long)afterSeq, (long)reader);

    public async Task<bool> ReplaceBodyAsync(LogKind kind, ulong owner, ulong seq, byte[] body, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(kind == LogKind.Inbox ? InboxSql.ReplaceBody : GroupSql.ReplaceBody);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)owner });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)seq });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = body, NpgsqlDbType = NpgsqlDbType.Bytea });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private async Task<StoredEntry?> QueryOneAsync(string sql, CancellationToken cancellationToken, params long[] arguments) =>
        (await QueryAsync(sql, cancellationToken, arguments)) is [var first, ..] ? first : null;

    private async Task<List<StoredEntry>> QueryAsync(string sql, CancellationToken cancellationToken, params long[] arguments)
    {
        await using var command = Command(sql, arguments);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<StoredEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new StoredEntry(
                (ulong)reader.GetInt64(0), (uint)reader.GetInt32(1), (ulong)reader.GetInt64(2), (ulong)reader.GetInt64(3), (ulong)reader.GetInt64(4),
                reader.GetInt64(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<byte[]>(7)));
        }

        return entries;
    }

    private async Task<int> CountAsync(string sql, CancellationToken cancellationToken, params long[] arguments)
    {
        await using var command = Command(sql, arguments);
        return checked((int)(long)(await command.ExecuteScalarAsync(cancellationToken))!);
    }

    private NpgsqlCommand Command(string sql, long[] arguments)
    {
        var command = _dataSource.CreateCommand(sql);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = argument });
        }

        return command;
    }

    /// <summary>
    /// Runs the writer loops until every queue is closed (<see cref="StopAccepting"/>) and written out, or until
    /// <paramref name="cancellationToken"/>: then whatever is unwritten fails, and its callers learn it.
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_queues.Select(q => WriteLoopAsync(q.Reader, cancellationToken)));

    /// <summary>Appends after this fail at once; the ones queued are still written.</summary>
    public void StopAccepting()
    {
        foreach (var queue in _queues)
        {
            queue.Writer.TryComplete();
        }
    }

    public Task<AppendResult> AppendAsync(LogAppend entry, CancellationToken cancellationToken = default)
    {
        if (entry.Kind != LogKind.Group)
        {
            throw new ArgumentException("inbox entries are appended with AppendInboxAsync", nameof(entry));
        }

        var pending = new GroupWrite(entry);
        Enqueue(entry.Owner, pending);
        return pending.Result.Task.WaitAsync(cancellationToken);
    }

    public async Task<InboxAppendResult> AppendInboxAsync(InboxAppend entry, CancellationToken cancellationToken = default) =>
        (await AppendInboxBatchAsync([entry], cancellationToken))[0];

    public Task<InboxAppendResult[]> AppendInboxBatchAsync(InboxAppend[] entries, CancellationToken cancellationToken = default)
    {
        if (entries.Length == 0)
        {
            return Task.FromResult(Array.Empty<InboxAppendResult>());
        }

        // The queue of the receiving inbox (the sender's where none): every entry's must be the same one.
        var owner = QueueOwner(entries[0]);
        foreach (var entry in entries)
        {
            if (QueueOwner(entry) != owner)
            {
                throw new ArgumentException("appends made together go to one receiving inbox", nameof(entries));
            }
        }

        var pending = new InboxWrite(entries);
        Enqueue(owner, pending);
        return pending.Result.Task.WaitAsync(cancellationToken);
    }

    private static ulong QueueOwner(InboxAppend entry) =>
        entry.Receiver != 0 ? entry.Receiver
        : entry.Sender != 0 ? entry.Sender
        : throw new ArgumentException("an inbox append needs a receiver or a sender", nameof(entry));

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
        await using var command = _dataSource.CreateCommand(kind == LogKind.Inbox ? InboxSql.Head : GroupSql.Head);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)owner });
        return (ulong)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

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

    private static LogSql SqlOf(LogKind kind) => kind == LogKind.Inbox ? InboxLog : GroupLog;

    [LoggerMessage(EventId = 8001, Level = LogLevel.Error, Message = "Writing a batch of {Count} appends failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception ex, int count);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "A batch of {Count} appends met a concurrent writer ({SqlState}); writing it again")]
    private static partial void LogBatchRetried(ILogger logger, int count, string sqlState);

    [LoggerMessage(EventId = 8012, Level = LogLevel.Debug, Message = "A batch of {Count} appends held a repeat of a stored message; writing it again, looking for repeats")]
    private static partial void LogBatchHadRepeat(ILogger logger, int count);
}
