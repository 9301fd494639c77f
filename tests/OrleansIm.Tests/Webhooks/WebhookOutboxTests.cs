using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.Webhooks;

/// <summary>
/// PostgreSQL mode: a message's events are written with the message, so a silo killed (kill -9) with a backlog of
/// events it never posted loses none of them: another silo posts them.
/// </summary>
public sealed class WebhookOutboxTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Every_event_of_every_acknowledged_message_arrives_after_the_silo_that_stored_it_is_killed()
    {
        await using var receiver = await WebhookReceiver.StartAsync(listening: false);
        var environment = ProcessTokens.Environment(await PostgresServers.NewDatabaseAsync());
        foreach (var (key, value) in receiver.Settings("message.offline", "message.stored"))
        {
            environment[key.Replace(":", "__")] = value!;
        }

        environment["Gateway__RequestsPerSecond"] = "10000";
        environment["Gateway__RequestBurst"] = "10000";

        const int Receivers = 5, PerReceiver = 40, GroupMessages = 30;
        ulong alice = Ids.Next();
        var receivers = Enumerable.Range(0, Receivers).Select(_ => Ids.Next()).ToArray();
        var members = new[] { Ids.Next(), Ids.Next() };
        ulong gid;
        var groupSeqs = new List<ulong>();
        await using (var doomed = await RunningSilo.StartAsync(environment))
        {
            await using var a = await LoginAsync(doomed.TcpPort, alice);
            var created = (await a.RequestAsync(Cmd.GroupCreat, new GroupCreat { Uid = alice, Gid = 0, Name = "kept", Desc = "" })).As(GroupCreatAck.Parser);
            gid = created.Gid;
            foreach (var member in members)
            {
                Assert.Equal(0u, await a.InviteAsync(gid, member));
            }

            // Pipelined: the acknowledged ones are the ones whose events must come.
            var sends = new List<Task<ChatAck>>();
            for (int i = 0; i < PerReceiver; i++)
            {
                foreach (var to in receivers)
                {
                    sends.Add(a.ChatAsync(to, $"{to}-{i}"));
                }
            }

            foreach (var ack in await Task.WhenAll(sends))
            {
                Assert.Equal(0u, ack.Code);
            }

            for (int i = 0; i < GroupMessages; i++)
            {
                groupSeqs.Add((await a.GroupChatAsync(gid, $"g{i}")).Seq);
            }

            // The receiver is down: nothing was posted; the silo dies with everything in its backlog.
            Assert.Empty(receiver.Events);
            await doomed.KillAsync();
        }

        await receiver.ListenAsync();
        await using var survivor = await RunningSilo.StartAsync(environment);
        var expectedOffline = Receivers * PerReceiver + GroupMessages;
        var expectedStored = Receivers * PerReceiver + GroupMessages;
        var offline = await receiver.WaitAsync("message.offline", e => e.Select(x => x.GetProperty("id").GetInt64()).Distinct().Count() >= expectedOffline, TimeSpan.FromSeconds(60));
        var stored = await receiver.WaitAsync("message.stored", e => e.Select(x => x.GetProperty("id").GetInt64()).Distinct().Count() >= expectedStored, TimeSpan.FromSeconds(60));

        foreach (var to in receivers)
        {
            var seqs = offline.Where(e => e.TryGetProperty("uid", out var u) && u.GetUInt64() == to).Select(e => e.GetProperty("seq").GetUInt64()).Distinct().Order();
            Assert.Equal(Enumerable.Range(1, PerReceiver).Select(i => (ulong)i), seqs);
            var unread = offline.Where(e => e.TryGetProperty("uid", out var u) && u.GetUInt64() == to).Select(e => e.GetProperty("unread").GetInt64()).Distinct().Order();
            Assert.Equal(Enumerable.Range(1, PerReceiver).Select(i => (long)i), unread);
        }

        var groupEvents = offline.Where(e => e.TryGetProperty("gid", out _)).ToList();
        Assert.Equal(groupSeqs, groupEvents.Select(e => e.GetProperty("seq").GetUInt64()).Distinct().Order());
        Assert.All(groupEvents, e => Assert.Equal(members.Order(), e.GetProperty("uids").EnumerateArray().Select(u => u.GetUInt64())));
        Assert.Equal(expectedStored, stored.Select(e => (e.TryGetProperty("gid", out var g) ? g.GetUInt64() : e.GetProperty("uid").GetUInt64(), e.GetProperty("seq").GetUInt64())).Distinct().Count());

        var duplicates = receiver.Events.Count - receiver.Events.Select(e => e.GetProperty("id").GetInt64()).Distinct().Count();
        log.WriteLine($"{receiver.Events.Count} events received, {duplicates} of them repeats, in {receiver.Posts} POSTs");
        Assert.Equal(0, receiver.BadSignatures);
    }

    private static async Task<ImClient> LoginAsync(int port, ulong uid)
    {
        var client = await ImClient.ConnectTcpAsync("127.0.0.1", port);
        Assert.Equal(0u, (await client.LoginAsync(uid, ProcessTokens.For(uid))).Code);
        return client;
    }
}
