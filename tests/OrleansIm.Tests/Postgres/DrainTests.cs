using System.Diagnostics;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.Postgres;

/// <summary>Graceful shutdown on SIGTERM: drain with KICK 10002, nothing acknowledged lost, the cluster left cleanly.</summary>
public sealed class DrainTests(ITestOutputHelper log)
{
    private const int Messages = 300;

    [Fact]
    public async Task Sigterm_drains_every_session_with_kick_10002_and_a_replacement_starts_at_once_with_nothing_lost()
    {
        var database = await PostgresServers.NewDatabaseAsync();
        var environment = ProcessTokens.Environment(database);
        ulong writer = Ids.Next(), reader = Ids.Next();
        await using var old = await RunningSilo.StartAsync(environment);
        var w = await LoginAsync(old.TcpPort, writer);
        var r = await LoginAsync(old.TcpPort, reader);

        // The writer pipelines its messages without waiting; SIGTERM arrives while they are being handled.
        for (var serial = 1; serial <= Messages; serial++)
        {
            await w.SendAsync(Cmd.Chat, new Chat { Orig = writer, Dest = reader, Level = 1, Time = 1, Text = $"m{serial}" }, (ulong)serial);
        }

        var clock = Stopwatch.StartNew();
        var exit = await old.TerminateAsync(TimeSpan.FromSeconds(60));
        var stopped = clock.Elapsed;
        Assert.Equal(0, exit);

        var writerFrames = await ReadUntilClosedAsync(w);
        var readerFrames = await ReadUntilClosedAsync(r);
        foreach (var frames in new[] { writerFrames, readerFrames })
        {
            var kick = frames[^1];
            Assert.Equal(Cmd.Kick, kick.Type);
            Assert.Equal(ResultCode.Unavailable, kick.As(Kick.Parser).Code);
        }

        var acked = new Dictionary<ulong, ulong>();
        foreach (var frame in writerFrames.Where(f => f.Type == Cmd.ChatAck))
        {
            var ack = frame.As(ChatAck.Parser);
            Assert.Equal(0u, ack.Code);
            acked[frame.Header.Serial] = ack.Seq;
        }

        // Every acknowledged message was pushed to the reader before its KICK (requests finish before any KICK).
        var delivered = readerFrames.Where(f => f.Type == Cmd.Chat).Select(f => f.Header.Serial).ToList();
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        Assert.Equal(acked.Count, delivered.Count);

        // The old silo left the cluster cleanly: its membership row says Dead (6), so a replacement need not wait
        // for it to look stale.
        await using (var connection = new Npgsql.NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var query = new Npgsql.NpgsqlCommand("SELECT status FROM orleans_membership WHERE port = @port", connection);
            query.Parameters.AddWithValue("port", old.Ports[2]);
            Assert.Equal(6, Convert.ToInt32(await query.ExecuteScalarAsync()));
        }

        clock.Restart();
        await using var replacement = await RunningSilo.StartAsync(environment);
        var replacementUp = clock.Elapsed;
        await using var w2 = await LoginAsync(replacement.TcpPort, writer);
        for (var serial = 1UL; serial <= Messages; serial++)
        {
            var ack = await w2.ChatAsync(reader, $"m{serial}", serial);
            Assert.Equal(0u, ack.Code);
            if (acked.TryGetValue(serial, out var seq))
            {
                Assert.Equal(seq, ack.Seq);
            }
        }

        await using var r2 = await LoginAsync(replacement.TcpPort, reader);
        var (sync, replayed) = await r2.SyncAsync(0, TimeSpan.FromSeconds(30));
        var inbox = replayed.Where(f => f.Type == Cmd.Chat).Select(f => (Seq: f.Header.Serial, Text: f.As(Chat.Parser).Text)).ToList();
        Assert.Equal(Enumerable.Range(1, Messages).Select(i => (ulong)i), inbox.Select(e => e.Seq));
        Assert.Equal(Messages, inbox.Select(e => e.Text).Distinct().Count());
        Assert.All(delivered, seq => Assert.Contains(inbox, e => e.Seq == seq));

        log.WriteLine($"SIGTERM with {Messages} CHATs pipelined: exit 0 after {stopped.TotalSeconds:F1} s; {acked.Count} acknowledged and " +
            $"{delivered.Count} delivered live before KICK 10002; replacement at a new address up in {replacementUp.TotalSeconds:F1} s; " +
            $"after resending every serial: {inbox.Count} messages, seqs 1..{Messages}, none twice");
        await w.DisposeAsync();
        await r.DisposeAsync();
        // Alone it is up in about 2 s; the bound leaves room for a machine busy with the rest of the suite.
        Assert.True(replacementUp < TimeSpan.FromSeconds(30), $"replacement took {replacementUp.TotalSeconds:F1} s");
    }

    private static async Task<List<ReceivedFrame>> ReadUntilClosedAsync(ImClient client)
    {
        var frames = new List<ReceivedFrame>();
        while (true)
        {
            try
            {
                frames.Add(await client.ReceiveAsync(TimeSpan.FromSeconds(30)));
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                return frames;
            }
        }
    }

    private static async Task<ImClient> LoginAsync(int port, ulong uid)
    {
        var client = await ImClient.ConnectTcpAsync("127.0.0.1", port);
        Assert.Equal(0u, (await client.LoginAsync(uid, ProcessTokens.For(uid))).Code);
        return client;
    }
}
