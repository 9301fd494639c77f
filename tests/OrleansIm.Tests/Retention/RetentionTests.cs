using Npgsql;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.Retention;

/// <summary>
/// Retention: inboxes and group logs keep their newest entries (by count) or their recent ones (by age); the rest is
/// removed in the background, in both stores; SYNC says when entries after the position asked for are gone; seqs go
/// on from the head and are never reused.
/// </summary>
public sealed class RetentionTests(ITestOutputHelper log)
{
    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["Retention:Interval"] = "00:00:00.100",
            ["Retention:Pause"] = "00:00:00",
            ["Gateway:RequestsPerSecond"] = "100000",
            ["Gateway:RequestBurst"] = "100000",
        };
        foreach (var (key, value) in settings)
        {
            all["Retention:" + key] = value;
        }

        return all;
    }

    [Fact]
    public async Task Embedded_an_inbox_and_a_group_log_keep_their_newest_entries_and_SYNC_says_what_is_gone()
    {
        await using var server = await ImServer.StartAsync(Settings(("MaxCount", "5"), ("BatchSize", "3")));
        await ChecksCountAsync(server);
    }

    [Fact]
    public async Task Postgres_an_inbox_and_a_group_log_keep_their_newest_entries_and_SYNC_says_what_is_gone()
    {
        var connectionString = await PostgresServers.NewDatabaseAsync();
        await using var server = await PostgresServers.StartAsync(connectionString, Settings(("MaxCount", "5"), ("BatchSize", "3")));
        await ChecksCountAsync(server);

        // Nothing is left of the removed entries: every message body still stored is named by a kept row.
        await using var data = NpgsqlDataSource.Create(connectionString);
        await using var orphans = data.CreateCommand("""
            SELECT count(*) FROM im_message m
            WHERE NOT EXISTS (SELECT 1 FROM im_inbox i WHERE i.message_id = m.id)
              AND NOT EXISTS (SELECT 1 FROM im_group_log g WHERE g.message_id = m.id)
            """);
        Assert.Equal(0L, (long)(await orphans.ExecuteScalarAsync())!);
    }

    private static async Task ChecksCountAsync(ImServer server)
    {
        ulong alice = Ids.Next(), bob = Ids.Next(), carol = Ids.Next();
        await using var a = await server.LoginAsync("tcp", alice);
        for (int i = 1; i <= 12; i++)
        {
            Assert.Equal(0u, (await a.ChatAsync(bob, $"m{i}")).Code);
        }

        var gid = await a.CreateGroupAsync();
        Assert.Equal(0u, await a.InviteAsync(gid, carol));
        ulong groupHead = 0;
        for (int i = 1; i <= 12; i++)
        {
            var sent = await a.GroupChatAsync(gid, $"g{i}");
            Assert.Equal(0u, sent.Code);
            groupHead = sent.Seq;
        }

        // Bob's inbox keeps m8..m12; a SYNC from the start is told the rest is gone.
        var (ack, frames) = await Until(async () => await SyncAsync(server, bob, 0), r => r.Frames.Count == 5);
        Assert.True(ack.Trimmed);
        Assert.Equal(12UL, ack.Seq);
        Assert.Equal([8UL, 9, 10, 11, 12], frames.Select(f => f.Header.Serial));
        Assert.Equal(["m8", "m9", "m10", "m11", "m12"], frames.Select(f => f.As(Chat.Parser).Text));

        // From inside the window nothing is missing and nothing is said.
        var (inside, rest) = await SyncAsync(server, bob, 9);
        Assert.False(inside.HasTrimmed);
        Assert.Equal([10UL, 11, 12], rest.Select(f => f.Header.Serial));

        // The group log keeps its newest five (the log has the invite notice and twelve messages).
        await using (var c = await server.LoginAsync("tcp", carol))
        {
            var request = new Sync { Uid = carol, Seq = 0 };
            request.Groups.Add(new GroupCursor { Gid = gid, Seq = 0 });
            var (groupAck, groupFrames) = await Until(async () => await c.SyncAsync(request), r => r.Frames.Count(f => f.Type == Cmd.GroupChat) == 5);
            Assert.True(groupAck.Trimmed);
            Assert.Equal(["g8", "g9", "g10", "g11", "g12"], groupFrames.Where(f => f.Type == Cmd.GroupChat).Select(f => f.As(GroupChat.Parser).Text));
        }

        // Seqs go on from the head.
        Assert.Equal(13UL, (await a.ChatAsync(bob, "m13")).Seq);
        Assert.Equal(groupHead + 1, (await a.GroupChatAsync(gid, "g13")).Seq);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Entries_older_than_the_age_go_and_a_group_log_keeps_its_newest(bool postgres)
    {
        var settings = Settings(("MaxAge", "00:00:02"));
        await using var server = postgres
            ? await PostgresServers.StartAsync(await PostgresServers.NewDatabaseAsync(), settings)
            : await ImServer.StartAsync(settings);
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await server.LoginAsync("tcp", alice);
        var gid = await a.CreateGroupAsync();
        ulong groupHead = 0;
        for (int i = 1; i <= 3; i++)
        {
            Assert.Equal(0u, (await a.ChatAsync(bob, $"old{i}")).Code);
            var sent = await a.GroupChatAsync(gid, $"old{i}");
            Assert.Equal(0u, sent.Code);
            groupHead = sent.Seq;
        }

        // All three are gone from bob's inbox after two seconds; the group keeps its newest entry.
        var (ack, frames) = await Until(async () => await SyncAsync(server, bob, 0), r => r.Frames.Count == 0, TimeSpan.FromSeconds(15));
        Assert.True(ack.Trimmed);
        Assert.Equal(3UL, ack.Seq);
        var request = new Sync { Uid = alice, Seq = 3 };
        request.Groups.Add(new GroupCursor { Gid = gid, Seq = 0 });
        await using (var fresh = await server.LoginAsync("tcp", alice))
        {
            var (groupAck, groupFrames) = await Until(async () => await fresh.SyncAsync(request), r => r.Frames.Count == 1, TimeSpan.FromSeconds(15));
            Assert.True(groupAck.Trimmed);
            Assert.Equal("old3", Assert.Single(groupFrames).As(GroupChat.Parser).Text);
        }

        Assert.Equal(4UL, (await a.ChatAsync(bob, "new")).Seq);
        Assert.Equal(groupHead + 1, (await a.GroupChatAsync(gid, "new")).Seq);
        var (after, fresh4) = await SyncAsync(server, bob, 0);
        Assert.Equal(["new"], fresh4.Select(f => f.As(Chat.Parser).Text));
        Assert.True(after.Trimmed);
    }

    [Fact]
    public async Task Postgres_trimming_under_chat_load_loses_nothing_inside_the_window()
    {
        const int Senders = 8, PerSender = 150, Keep = 100;
        var connectionString = await PostgresServers.NewDatabaseAsync();
        await using var server = await PostgresServers.StartAsync(connectionString, Settings(("MaxCount", Keep.ToString()), ("BatchSize", "40")));
        var receiver = Ids.Next();
        var senders = new List<ImClient>();
        for (int s = 0; s < Senders; s++)
        {
            senders.Add(await server.LoginAsync("tcp", Ids.Next()));
        }

        // Every sender pipelines its messages to one receiver while the trimmer works on the same inbox.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var acks = await Task.WhenAll(senders.Select(async (client, s) =>
        {
            var sent = new List<Task<ChatAck>>();
            for (int i = 0; i < PerSender; i++)
            {
                sent.Add(client.ChatAsync(receiver, $"{s}:{i}"));
            }

            return await Task.WhenAll(sent);
        }));
        log.WriteLine($"{Senders * PerSender} messages to one inbox in {clock.Elapsed.TotalSeconds:F1} s with retention trimming it to {Keep}");
        Assert.All(acks.SelectMany(a => a), a => Assert.Equal(0u, a.Code));

        const int Total = Senders * PerSender;
        var (ack, frames) = await Until(async () => await SyncAsync(server, receiver, 0), r => r.Frames.Count == Keep, TimeSpan.FromSeconds(30));
        Assert.True(ack.Trimmed);
        Assert.Equal((ulong)Total, ack.Seq);
        Assert.Equal(Enumerable.Range(Total - Keep + 1, Keep).Select(i => (ulong)i), frames.Select(f => f.Header.Serial));

        // Per sender, what is kept is the tail of what it sent, in the order it sent it.
        foreach (var group in frames.Select(f => f.As(Chat.Parser).Text.Split(':')).GroupBy(p => p[0]))
        {
            var numbers = group.Select(p => int.Parse(p[1])).ToList();
            Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers);
            Assert.Equal(PerSender - 1, numbers[^1]);
        }

        // Each sender's own inbox was trimmed too, and no body is left behind without a row.
        await using var data = NpgsqlDataSource.Create(connectionString);
        await using var rows = data.CreateCommand("SELECT max(n) FROM (SELECT count(*) AS n FROM im_inbox GROUP BY uid) c");
        Assert.Equal((long)Keep, await Until(async () => (long)(await rows.ExecuteScalarAsync())!, n => n == Keep));
        await using var orphans = data.CreateCommand("SELECT count(*) FROM im_message m WHERE NOT EXISTS (SELECT 1 FROM im_inbox i WHERE i.message_id = m.id)");
        Assert.Equal(0L, (long)(await orphans.ExecuteScalarAsync())!);
        foreach (var client in senders)
        {
            await client.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("Retention__MaxAge", "-00:00:01", "Retention:MaxAge -00:00:01 is negative")]
    [InlineData("Retention__MaxCount", "-5", "Retention:MaxCount -5 is negative")]
    [InlineData("Retention__BatchSize", "0", "Retention:BatchSize 0 must be from 1 to 100000")]
    public async Task Bad_retention_settings_stop_the_start_with_one_line(string key, string value, string said)
    {
        await SiloProcess.AssertRefusedAsync(new Dictionary<string, string> { [key] = value }, said);
    }

    private static async Task<(SyncAck Ack, List<ReceivedFrame> Frames)> SyncAsync(ImServer server, ulong uid, ulong after)
    {
        await using var client = await server.LoginAsync("tcp", uid);
        return await client.SyncAsync(after);
    }

    private static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }
}
