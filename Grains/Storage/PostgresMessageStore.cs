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

    private static LogSql SqlOf(LogKind kind) => kind == LogKind.Inbox ? InboxLog : GroupLog;
}
