using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.MultiHost;

/// <summary>
/// One host of three cut off for 30 s (its link down: packets dropped, nothing refused) under private and group chat
/// from clients on every host. The others declare it dead while it is cut off; its clients reconnect to the gateways
/// /api/iplist gave them and go on; when the link returns the cut-off silo finds itself declared dead, ends its own
/// process, is started again by its supervisor and serves. Every acknowledged message is delivered exactly once by
/// seq, PostgreSQL holds each under one seq only, and the state the survivors wrote during the cut is still there.
/// It runs alone (<see cref="SerialTimingCollection"/>): the declaration and the move must happen while the host is
/// cut off, which on a busy 2-core machine is a race against the rest of the suite rather than against the product.
/// </summary>
[Collection(SerialTimingCollection.Name)]
public sealed class PartitionTests(ITestOutputHelper log)
{
    private const int CutHost = 2;
    private static readonly TimeSpan CutFor = TimeSpan.FromSeconds(30);

    /// <summary>The longest a single step outside the cut may take (a login, a join, a SYNC replay).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_host_cut_off_for_30_s_is_declared_dead_its_clients_move_and_it_rejoins_without_losing_or_repeating_anything()
    {
        await using var cluster = await NetworkCluster.StartAsync(3, new Dictionary<string, string>
        {
            ["Gateway__RequestsPerSecond"] = "10000",
            ["Gateway__RequestBurst"] = "10000",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ",
        });
        await ThreeHosts.WaitForEveryGatewayAsync(cluster);

        // The gateways as a client learns them from /api/iplist; each client starts on its host's and knows the rest.
        var gateways = (await cluster.IpListAsync(0, "tcp")).ToArray();
        int HomeOf(int host) => Array.IndexOf(gateways, cluster.TcpEndpoints[host]);

        // Two writers and two readers per host, each writer's reader on the next host; everyone in one group, made
        // by an owner on the host that will be cut off.
        const int PerHost = 2;
        var writers = Enumerable.Range(0, 3 * PerHost).Select(i => new ResilientClient(Ids.Next(), gateways, HomeOf(i % 3))).ToArray();
        var readers = Enumerable.Range(0, 3 * PerHost).Select(i => new ResilientClient(Ids.Next(), gateways, HomeOf((i + 1) % 3))).ToArray();
        var everyone = writers.Concat(readers).ToArray();
        var owner = new ResilientClient(Ids.Next(), gateways, HomeOf(CutHost));
        var gid = (await owner.RequestAsync(Cmd.GroupCreat, new GroupCreat { Uid = owner.Uid, Gid = 0 }).WaitAsync(Patience)).As(GroupCreatAck.Parser).Gid;
        foreach (var client in everyone)
        {
            await client.JoinAsync(gid).WaitAsync(Patience);
        }

        var clock = cluster.Clock;
        var privateAcks = new ConcurrentDictionary<(int Writer, ulong Serial), ulong>();
        var groupAcks = new ConcurrentDictionary<(int Writer, ulong Serial), ulong>();
        var lastAck = new long[writers.Length];
        long attempts = 0;
        using var stop = new CancellationTokenSource();
        var load = writers.Select((writer, i) => Task.Run(async () =>
        {
            for (ulong n = 1; !stop.IsCancellationRequested; n++)
            {
                Interlocked.Increment(ref attempts);
                if (await writer.SendAsync(Cmd.Chat, new Chat { Orig = writer.Uid, Dest = readers[i].Uid, Level = 1, Time = 1, Text = $"p{i}-{n}" }, n, stop.Token) is { } seq)
                {
                    privateAcks[(i, n)] = seq;
                    Volatile.Write(ref lastAck[i], clock.ElapsedMilliseconds);
                }

                if (n % 3 == 0)
                {
                    Interlocked.Increment(ref attempts);
                    if (await writer.SendAsync(Cmd.GroupChat, new GroupChat { Uid = writer.Uid, Gid = gid, Level = 1, Time = 1, Text = $"g{i}-{n}" }, 1_000_000 + n, stop.Token) is { } gseq)
                    {
                        groupAcks[(i, 1_000_000 + n)] = gseq;
                    }
                }

                await Task.Delay(20);
            }
        })).ToArray();

        await Task.Delay(3000);
        var cutOff = await cluster.ActiveMemberAsync(CutHost);
        var ackedBeforeCut = privateAcks.Count + groupAcks.Count;
        cluster.Network.Cut(CutHost);
        var cutAt = clock.Elapsed;

        // Declared dead by the others (its row, written by them, in PostgreSQL); its writers acknowledged again through
        // another gateway; meanwhile someone on a surviving host joins the group (group state written during the cut).
        var dead = Task.Run(async () =>
        {
            await Transports.EventuallyAsync(async () => (await cluster.MembershipAsync()).Any(m => m.Generation == cutOff.Generation && m.Name == cutOff.Name && m.Status == NetworkCluster.Dead),
                "the cut-off silo declared dead", CutFor);
            return clock.Elapsed - cutAt;
        });
        var cutWriters = Enumerable.Range(0, writers.Length).Where(i => i % 3 == CutHost).ToArray();
        await Transports.EventuallyAsync(() => Task.FromResult(cutWriters.All(i => Volatile.Read(ref lastAck[i]) > (cutAt + TimeSpan.FromSeconds(1)).TotalMilliseconds)),
            () => $"the cut-off host's writers acknowledged again through another gateway (declared dead after: " +
                $"{(dead.IsCompletedSuccessfully ? $"{dead.Result.TotalSeconds:F1} s" : "not yet")}; reconnects: " +
                $"{string.Join(", ", cutWriters.Select(i => writers[i].Reconnects))}; last retries: {string.Join("; ", cutWriters.Select(i => writers[i].LastRetry))})", CutFor);
        var movedAfter = clock.Elapsed - cutAt;
        var declaredDeadAfter = await dead;
        var latecomer = new ResilientClient(Ids.Next(), gateways, HomeOf(0));
        await latecomer.JoinAsync(gid).WaitAsync(Patience);
        await Task.Delay(CutFor - (clock.Elapsed - cutAt));

        cluster.Network.Heal(CutHost);
        var healedAt = clock.Elapsed;
        await Transports.EventuallyAsync(async () => (await cluster.MembershipAsync()).Any(m => m.Name == cutOff.Name && m.Generation > cutOff.Generation && m.Status == NetworkCluster.Active),
            () => $"the cut-off host back as a new active member\n{cluster.Output(CutHost)}", TimeSpan.FromSeconds(60));
        var rejoinedAfter = clock.Elapsed - healedAt;
        await Transports.EventuallyAsync(() => Task.FromResult(cluster.Restarts.Any(r => r.Host == CutHost)), "the restarted silo answering /healthz", TimeSpan.FromSeconds(30));
        var exit = Assert.Single(cluster.Exits, e => e.Host == CutHost);
        var restart = Assert.Single(cluster.Restarts, r => r.Host == CutHost);

        // The restarted silo serves: a new user on it chats with one on another host.
        var (newcomer, peer) = (Ids.Next(), Ids.Next());
        await using (var onRestarted = await cluster.LoginAsync(CutHost, newcomer))
        await using (var onOther = await cluster.LoginAsync(0, peer))
        {
            Assert.Equal(0u, (await onRestarted.ChatAsync(peer, "after the rejoin")).Code);
            Assert.Equal("after the rejoin", (await onOther.ReceiveAsync(Cmd.Chat)).As(Chat.Parser).Text);
        }

        await Task.Delay(1000);
        stop.Cancel();
        try
        {
            await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            Assert.Fail("writers still waiting for an ACK 60 s after the load stopped: " + string.Join("; ", writers.Select((w, i) =>
                $"writer {i} ({(load[i].IsCompleted ? "done" : "waiting")}, home {w.Home}, {w.Reconnects} reconnects, last ACK at {Volatile.Read(ref lastAck[i]) / 1000.0:F1} s, last retry: {w.LastRetry})")) +
                $"\ncut at {cutAt.TotalSeconds:F1} s ({DateTime.UtcNow - (clock.Elapsed - cutAt):HH:mm:ss.fff} UTC), healed at {healedAt.TotalSeconds:F1} s, exits {string.Join(", ", cluster.Exits)}, restarts {string.Join(", ", cluster.Restarts)} " +
                $"(cluster clock {cluster.Clock.Elapsed.TotalSeconds:F1} s, test clock {clock.Elapsed.TotalSeconds:F1} s); the silos' output: {cluster.SaveOutputs("partition")}");
        }

        var liveInbox = readers.Sum(r => r.Inbox.Count);
        var liveGroup = everyone.Sum(c => c.Groups.Count);
        foreach (var client in everyone)
        {
            await client.SyncAllAsync(gid).WaitAsync(Patience);
        }

        // Delivered exactly once by seq: each acknowledged message at its seq, no message under two seqs, no seq with two.
        for (var i = 0; i < writers.Length; i++)
        {
            var reader = readers[i];
            Assert.Empty(reader.Conflicts);
            var texts = reader.Inbox.Values.Where(t => t.StartsWith($"p{i}-", StringComparison.Ordinal)).ToList();
            Assert.Equal(texts.Count, texts.Distinct().Count());
            foreach (var ((_, n), seq) in privateAcks.Where(a => a.Key.Writer == i))
            {
                Assert.Equal($"p{i}-{n}", reader.Inbox[seq]);
            }
        }

        foreach (var client in everyone)
        {
            Assert.Empty(client.Conflicts);
            var texts = client.Groups.Where(g => g.Key.Gid == gid).Select(g => g.Value).ToList();
            Assert.Equal(texts.Count, texts.Distinct().Count());
            Assert.All(groupAcks, a => Assert.Equal($"g{a.Key.Writer}-{a.Key.Serial - 1_000_000}", client.Groups[(gid, a.Value)]));
        }

        // PostgreSQL itself: each acknowledged (sender, serial) stored once, at the acknowledged seq.
        await using var db = new NpgsqlConnection(cluster.Database);
        await db.OpenAsync();
        for (var i = 0; i < writers.Length; i++)
        {
            var rows = await RowsAsync(db, "SELECT seq, orig, serial FROM im_inbox WHERE uid = @id AND orig = @other", readers[i].Uid, writers[i].Uid);
            Assert.Equal(rows.Count, rows.Select(r => r.Serial).Distinct().Count());
            Assert.Equal(rows.Count, rows.Select(r => r.Seq).Distinct().Count());
            foreach (var ((_, n), seq) in privateAcks.Where(a => a.Key.Writer == i))
            {
                Assert.Equal(seq, Assert.Single(rows, r => r.Serial == n).Seq);
            }
        }

        var groupLog = await RowsAsync(db, "SELECT seq, orig, serial FROM im_group_log WHERE gid = @id AND serial <> @other", gid, 0);
        Assert.Equal(groupLog.Count, groupLog.Select(r => (r.Orig, r.Serial)).Distinct().Count());
        Assert.Equal(groupLog.Count, groupLog.Select(r => r.Seq).Distinct().Count());
        Assert.All(groupAcks, a => Assert.Equal(a.Value, Assert.Single(groupLog, r => r.Orig == writers[a.Key.Writer].Uid && r.Serial == a.Key.Serial).Seq));

        // What the survivors wrote during the cut is still there after the cut-off silo came back: the member who joined
        // then, and the group's next seq (a rolled-back group state would hand out a seq already stored).
        var members = (await latecomer.RequestAsync(Cmd.GroupUsrList, new GroupUsrList { Gid = gid, Num = 0, Offset = 0 }).WaitAsync(Patience)).As(GroupUsrListAck.Parser);
        Assert.Contains($"\"uid\":{latecomer.Uid},", members.List);
        Assert.Equal((uint)everyone.Length + 2, members.Total);
        var highest = await ScalarAsync(db, "SELECT max(seq) FROM im_group_log WHERE gid = @id", gid);
        var next = await latecomer.SendAsync(Cmd.GroupChat, new GroupChat { Uid = latecomer.Uid, Gid = gid, Level = 1, Time = 1, Text = "last" }, 1, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(highest + 1, next);

        log.WriteLine($"host {CutHost + 1} of 3 cut off for {CutFor.TotalSeconds:F0} s after {ackedBeforeCut} acknowledged messages: declared dead by the others " +
            $"{declaredDeadAfter.TotalSeconds:F1} s after the cut; its writers acknowledged again through another gateway {movedAfter.TotalSeconds:F1} s after the cut; " +
            $"after the link came back its silo ended itself (exit code {exit.ExitCode}) {(exit.At - healedAt).TotalSeconds:F1} s later, served again " +
            $"{(restart.At - healedAt).TotalSeconds:F1} s and was an active member {rejoinedAfter.TotalSeconds:F1} s after the heal. " +
            $"{attempts} messages sent, {privateAcks.Count} private and {groupAcks.Count} group acknowledged; private: {liveInbox} delivered live, " +
            $"{readers.Sum(r => r.Inbox.Count)} after SYNC (every acknowledged one once, at its seq); group: {liveGroup} deliveries live, " +
            $"{everyone.Sum(c => c.Groups.Count)} after SYNC to {everyone.Length} members; {everyone.Count(c => c.Reconnects > 0)} clients reconnected " +
            $"({everyone.Where(c => c.Home == HomeOf(CutHost)).Count(c => c.Reconnects > 0)} of the {everyone.Count(c => c.Home == HomeOf(CutHost))} on the cut-off host)");

        foreach (var client in everyone.Append(owner).Append(latecomer))
        {
            await client.DisposeAsync();
        }
    }

    private sealed record Row(ulong Seq, ulong Orig, ulong Serial);

    private static async Task<List<Row>> RowsAsync(NpgsqlConnection db, string sql, ulong id, ulong other)
    {
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("id", (long)id);
        command.Parameters.AddWithValue("other", (long)other);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row((ulong)reader.GetInt64(0), (ulong)reader.GetInt64(1), (ulong)reader.GetInt64(2)));
        }

        return rows;
    }

    private static async Task<ulong> ScalarAsync(NpgsqlConnection db, string sql, ulong id)
    {
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("id", (long)id);
        return (ulong)Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
