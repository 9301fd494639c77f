using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.Postgres;

/// <summary>
/// kill -9 of one silo of two under sustained private and group chat from clients on both gateways: the dead
/// gateway's clients reconnect to the survivor and resend what was not acknowledged with the same serial; every
/// acknowledged message ends up delivered exactly once by seq to its receivers, and nobody misses anything.
/// </summary>
public sealed class ClusterFaultTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Killing_one_of_two_silos_under_chat_and_group_load_loses_and_repeats_nothing()
    {
        var environment = ProcessTokens.Environment(await PostgresServers.NewDatabaseAsync());
        environment["Gateway__RequestsPerSecond"] = "10000";
        environment["Gateway__RequestBurst"] = "10000";
        await using var survivor = await RunningSilo.StartAsync(environment);
        await using var doomed = await RunningSilo.StartAsync(environment);
        int[] ports = [survivor.TcpPort, doomed.TcpPort];

        // Six writers and six readers, half of each on either gateway, pairs crossing gateways; all in one group.
        // A CHAT on the survivor whose receiver's grain lived on the killed silo is answered only once the cluster
        // declares that silo dead (about 4-6 s, longer on a loaded machine), and the SDK takes a request unanswered
        // for its RequestTimeout as a broken connection. The survivor's clients must keep their connections, so
        // the timeout here is longer than any death declaration; the dead gateway's clients see their socket
        // closed at once whatever it is.
        const int Pairs = 6;
        var patient = TimeSpan.FromSeconds(30);
        var writers = Enumerable.Range(0, Pairs).Select(i => new ResilientClient(Ids.Next(), ports, i % 2, patient)).ToArray();
        var readers = Enumerable.Range(0, Pairs).Select(i => new ResilientClient(Ids.Next(), ports, (i + 1) % 2, patient)).ToArray();
        var everyone = writers.Concat(readers).ToArray();
        var owner = new ResilientClient(Ids.Next(), ports, 0);
        var created = await owner.RequestAsync(Cmd.GroupCreat, new GroupCreat { Uid = owner.Uid, Gid = 0 });
        var gid = created.As(GroupCreatAck.Parser).Gid;
        foreach (var client in everyone)
        {
            await client.JoinAsync(gid);
        }

        var privateAcks = new ConcurrentDictionary<string, ulong>();
        var groupAcks = new ConcurrentDictionary<string, ulong>();
        long attempts = 0;
        using var stop = new CancellationTokenSource();
        var load = writers.Select((writer, i) => Task.Run(async () =>
        {
            for (ulong n = 1; !stop.IsCancellationRequested; n++)
            {
                var text = $"p{i}-{n}";
                Interlocked.Increment(ref attempts);
                if (await writer.SendAsync(Cmd.Chat, new Chat { Orig = writer.Uid, Dest = readers[i].Uid, Level = 1, Time = 1, Text = text }, n, stop.Token) is { } seq)
                {
                    privateAcks[text] = seq;
                }

                if (n % 3 == 0)
                {
                    var groupText = $"g{i}-{n}";
                    Interlocked.Increment(ref attempts);
                    if (await writer.SendAsync(Cmd.GroupChat, new GroupChat { Uid = writer.Uid, Gid = gid, Level = 1, Time = 1, Text = groupText }, 1_000_000 + n, stop.Token) is { } gseq)
                    {
                        groupAcks[groupText] = gseq;
                    }
                }

                await Task.Delay(10);
            }
        })).ToArray();

        await Task.Delay(3000);
        var ackedBeforeKill = privateAcks.Count + groupAcks.Count;
        await doomed.KillAsync();
        var killedAt = Stopwatch.StartNew();
        await Transports.EventuallyAsync(() => Task.FromResult(privateAcks.Count + groupAcks.Count > ackedBeforeKill + 200),
            "chat flowing again after the kill", TimeSpan.FromSeconds(60));
        var flowingAgain = killedAt.Elapsed;
        await Task.Delay(2000);
        stop.Cancel();
        await Task.WhenAll(load);

        // Live deliveries first; then each client replays its inbox and the group, as an app does after a gap.
        var liveInbox = readers.Sum(r => r.Inbox.Count);
        var liveOnSurvivor = readers.Where(r => r.Home == 0).Sum(r => r.Inbox.Count);
        var liveGroup = everyone.Sum(c => c.Groups.Count);
        foreach (var client in everyone)
        {
            await client.SyncAllAsync(gid);
        }

        for (var i = 0; i < Pairs; i++)
        {
            var reader = readers[i];
            Assert.Empty(reader.Conflicts);
            var texts = reader.Inbox.Values.Where(t => t.StartsWith($"p{i}-", StringComparison.Ordinal)).ToList();
            Assert.Equal(texts.Count, texts.Distinct().Count()); // no message under two seqs
            foreach (var (text, _) in privateAcks.Where(a => a.Key.StartsWith($"p{i}-", StringComparison.Ordinal)))
            {
                Assert.Contains(text, texts);
            }
        }

        foreach (var client in everyone)
        {
            Assert.Empty(client.Conflicts);
            var texts = client.Groups.Where(g => g.Key.Gid == gid).Select(g => g.Value).ToList();
            Assert.Equal(texts.Count, texts.Distinct().Count());
            Assert.All(groupAcks.Keys, text => Assert.Contains(text, texts));
        }

        Assert.All(everyone.Where(c => c.Home == 0), c => Assert.Equal(0, c.Reconnects));
        Assert.All(everyone.Where(c => c.Home == 1), c => Assert.True(c.Reconnects >= 1));

        log.WriteLine($"kill -9 of one of two silos after {ackedBeforeKill} acknowledged messages: chat flowing again through the survivor after " +
            $"{flowingAgain.TotalSeconds:F1} s; {attempts} messages sent, {privateAcks.Count} private and {groupAcks.Count} group acknowledged " +
            $"(those cut off by the kill resent with the same serial); private: {liveInbox} delivered live ({liveOnSurvivor} to readers on the survivor, " +
            $"{readers.Where(r => r.Home == 0).Sum(r => r.Inbox.Count)} after their SYNC), {readers.Sum(r => r.Inbox.Count)} after SYNC " +
            $"(every acknowledged one once); group: {liveGroup} deliveries live, {everyone.Sum(c => c.Groups.Count)} after SYNC to {everyone.Length} members; " +
            $"{everyone.Count(c => c.Home == 1)} clients reconnected to the survivor, none of the survivor's");

        foreach (var client in everyone.Append(owner))
        {
            await client.DisposeAsync();
        }

    }
}
