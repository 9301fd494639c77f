using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansIm.Grains.Storage;
using OrleansIm.Silo.Storage;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Storage;

public sealed class PostgresMessageStoreTests : MessageStoreContract, IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<MessageStoreWriters> _writers = [];

    protected override async Task<IMessageStore> CreateStoreAsync() => (await StartStoreAsync(maxBatch: 16, writers: 2)).Store;

    /// <summary>
    /// A store on a new migrated database with its writers started; stopped (again, if the test stopped it) and
    /// disposed after the test.
    /// </summary>
    private async Task<(NpgsqlDataSource DataSource, PostgresMessageStore Store, MessageStoreWriters Writers)> StartStoreAsync(
        int maxBatch, int writers, Microsoft.Extensions.Logging.ILogger<PostgresMessageStore>? logger = null)
    {
        var connectionString = await PostgresServers.NewDatabaseAsync();
        await new SchemaMigrator(connectionString, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        var dataSource = NpgsqlDataSource.Create(connectionString);
        _owned.Add(dataSource);
        var options = Options.Create(new MessageStoreOptions { MaxBatch = maxBatch, Writers = writers });
        var store = new PostgresMessageStore(dataSource, options, Clock, logger ?? NullLogger<PostgresMessageStore>.Instance);
        var running = new MessageStoreWriters(store);
        await running.StartAsync(CancellationToken.None);
        _writers.Add(running);
        return (dataSource, store, running);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var writers in _writers)
        {
            await writers.StopAsync(CancellationToken.None);
            writers.Dispose();
        }

        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_store_has_its_young_tables_analyzed_once_a_thousand_appends_committed()
    {
        // Its statements are prepared: a plan made while the tables were empty would otherwise be kept until
        // autovacuum's next analyze, up to a minute later (a whole-table scan per batch meanwhile).
        var (dataSource, store, writers) = await StartStoreAsync(maxBatch: 64, writers: 2);
        var (alice, bob) = (Ids.Next(), Ids.Next());

        await Task.WhenAll(Enumerable.Range(1, 900).Select(i => store.AppendInboxAsync(new InboxAppend(OrleansIm.Protocol.Cmd.Chat, alice, (ulong)i, [1], bob, alice, Dest: bob))));
        Assert.Null(await LastAnalyzeAsync(dataSource));

        await Task.WhenAll(Enumerable.Range(901, 200).Select(i => store.AppendInboxAsync(new InboxAppend(OrleansIm.Protocol.Cmd.Chat, alice, (ulong)i, [1], bob, alice, Dest: bob))));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await LastAnalyzeAsync(dataSource) is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.NotNull(await LastAnalyzeAsync(dataSource));
        await writers.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_repeat_among_new_messages_is_found_when_the_batch_is_written_again_and_the_new_ones_stay_gap_free()
    {
        // One queue, so that the new messages and the repeats share batches: the first write of such a batch takes
        // every row as new and is refused by the idempotency index; the second looks for repeats.
        var events = new EventCounter();
        var (_, store, writers) = await StartStoreAsync(maxBatch: 64, writers: 1, events);
        var (alice, bob) = (Ids.Next(), Ids.Next());
        InboxAppend Chat(ulong serial, string text) =>
            new(OrleansIm.Protocol.Cmd.Chat, alice, serial, System.Text.Encoding.UTF8.GetBytes(text), bob, alice, Dest: bob);

        var stored = new List<InboxAppendResult>();
        for (ulong serial = 1; serial <= 5; serial++)
        {
            stored.Add(await store.AppendInboxAsync(Chat(serial, $"m{serial}")));
        }

        Assert.Equal(0, events.Count(8012));

        // Serials 6..40, with serials 2 and 5 resent among them, all queued at once; between them group messages
        // without a serial (nothing would stop a second copy): a batch is all or nothing, so the failed first
        // write of a batch keeps none of them, and the second stores each once.
        var gid = Ids.Next();
        var groupAppends = new List<Task<AppendResult>>();
        var appends = new List<(ulong Serial, Task<InboxAppendResult> Result)>();
        for (ulong serial = 6; serial <= 40; serial++)
        {
            groupAppends.Add(store.AppendAsync(new LogAppend(LogKind.Group, gid, OrleansIm.Protocol.Cmd.GroupChat, alice, 0, System.Text.Encoding.UTF8.GetBytes($"g{serial}"))));
            appends.Add((serial, store.AppendInboxAsync(Chat(serial, $"m{serial}"))));
            if (serial is 10 or 30)
            {
                var repeat = serial == 10 ? 2UL : 5UL;
                appends.Add((repeat, store.AppendInboxAsync(Chat(repeat, $"resent m{repeat}"))));
            }
        }

        await Task.WhenAll(appends.Select(a => a.Result));
        await Task.WhenAll(groupAppends);
        Assert.True(events.Count(8012) >= 1, "no batch was written again after a repeat");
        foreach (var (serial, result) in appends)
        {
            var r = await result;
            if (serial <= 5)
            {
                Assert.False(r.Inserted);
                Assert.Equal((stored[(int)serial - 1].ReceiverSeq, stored[(int)serial - 1].SenderSeq), (r.ReceiverSeq, r.SenderSeq));
            }
            else
            {
                Assert.True(r.Inserted);
            }
        }

        Assert.Equal(40UL, await store.GetHeadAsync(LogKind.Inbox, bob));
        Assert.Equal(40UL, await store.GetHeadAsync(LogKind.Inbox, alice));
        var inbox = await store.ReadAsync(LogKind.Inbox, bob, 0, 100);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (ulong)i), inbox.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => $"m{i}"), inbox.Select(e => System.Text.Encoding.UTF8.GetString(e.Body)));
        var group = await store.ReadAsync(LogKind.Group, gid, 0, 100);
        Assert.Equal(Enumerable.Range(6, 35).Select(i => $"g{i}"), group.Select(e => System.Text.Encoding.UTF8.GetString(e.Body)));
        Assert.Equal(35UL, await store.GetHeadAsync(LogKind.Group, gid));
        await writers.StopAsync(CancellationToken.None);
    }

    /// <summary>Counts the store's log events by id.</summary>
    private sealed class EventCounter : Microsoft.Extensions.Logging.ILogger<PostgresMessageStore>
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> _counts = new();

        public int Count(int eventId) => _counts.GetValueOrDefault(eventId);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _counts.AddOrUpdate(eventId.Id, 1, (_, n) => n + 1);
    }

    /// <summary>When im_inbox was last analyzed by a statement (not by autovacuum), or null.</summary>
    private static async Task<DateTime?> LastAnalyzeAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'im_inbox'");
        return await command.ExecuteScalarAsync() is DateTime at ? at : null;
    }

    [Fact]
    public async Task Stopping_writes_what_is_queued_and_refuses_appends_after()
    {
        var (_, store, writers) = await StartStoreAsync(maxBatch: 4, writers: 1);
        var uid = Ids.Next();
        var queued = Enumerable.Range(1, 40).Select(i => store.AppendInboxAsync(new InboxAppend(OrleansIm.Protocol.Cmd.P2P, 0, 0, [(byte)i], uid))).ToList();

        await writers.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (ulong)i), (await Task.WhenAll(queued)).Select(r => r.ReceiverSeq));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.AppendInboxAsync(new InboxAppend(OrleansIm.Protocol.Cmd.P2P, 0, 0, [0], uid)));
        Assert.Equal(40UL, await store.GetHeadAsync(LogKind.Inbox, uid));
    }

    [Fact]
    public async Task Cancelling_the_stop_fails_what_is_left_instead_of_leaving_it_waiting()
    {
        var (_, store, writers) = await StartStoreAsync(maxBatch: 1, writers: 1);
        var uid = Ids.Next();
        var queued = Enumerable.Range(1, 2000).Select(i => store.AppendInboxAsync(new InboxAppend(OrleansIm.Protocol.Cmd.P2P, 0, 0, [(byte)i], uid))).ToList();

        // No time at all to stop in: every append ends, written or failed, none is left waiting.
        await writers.StopAsync(new CancellationToken(canceled: true)).WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(queued.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(TimeSpan.FromSeconds(30));
        var written = queued.Count(t => t.IsCompletedSuccessfully);
        Assert.True(written < queued.Count, "every append was written before the stop; the test could not see a cancelled one");
        foreach (var failed in queued.Where(t => !t.IsCompletedSuccessfully))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => failed);
        }

        // A batch whose commit was under way when the stop came may have committed unacknowledged (an append that
        // failed may be retried); none that succeeded is missing.
        Assert.InRange(await store.GetHeadAsync(LogKind.Inbox, uid), (ulong)written, (ulong)queued.Count);
    }
}
