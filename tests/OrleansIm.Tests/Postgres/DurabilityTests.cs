using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Postgres;

/// <summary>PostgreSQL mode: what was acknowledged survives the silo process being killed outright.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task Every_acknowledged_message_survives_a_sigkill_and_retries_are_not_delivered_twice()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = db,
            ["Auth__SigningKey"] = ImServer.SigningKey,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Gateway__RequestsPerSecond"] = "100000",
            ["Gateway__RequestBurst"] = "100000",
        };
        var tokens = new OrleansIm.Gateway.Auth.TokenService(
            Microsoft.Extensions.Options.Options.Create(new OrleansIm.Gateway.Auth.AuthOptions { SigningKey = ImServer.SigningKey }), TimeProvider.System);
        var (alice, bob) = (Ids.Next(), Ids.Next());

        var acked = new Dictionary<ulong, ulong>();
        ulong lastSent = 0;
        int[] ports;
        await using (var silo = await RunningSilo.StartAsync(environment))
        {
            ports = silo.Ports;
            await using var sender = await silo.ConnectTcpAsync();
            Assert.Equal(0u, (await sender.LoginAsync(alice, tokens.Create(alice, null, "user"))).Code);

            // Keep several messages in flight, and kill the process while they are.
            var inFlight = new List<(ulong Serial, Task<OrleansIm.Client.ReceivedFrame> Reply)>();
            for (ulong serial = 1; serial <= 400; serial++)
            {
                lastSent = serial;
                inFlight.Add((serial, sender.RequestAsync(Cmd.Chat, new Chat { Orig = alice, Dest = bob, Level = 0, Time = 0, Text = $"m{serial}" }, serial, TimeSpan.FromSeconds(20))));
                if (inFlight.Count >= 8)
                {
                    await Collect(inFlight[0]);
                    inFlight.RemoveAt(0);
                }

                if (serial == 300)
                {
                    await silo.KillAsync();
                    break;
                }
            }

            foreach (var pending in inFlight)
            {
                await Collect(pending);
            }
        }

        Assert.True(acked.Count >= 250, $"only {acked.Count} messages were acknowledged before the kill");

        await using var restarted = await RunningSilo.StartAsync(environment, ports);
        await using var receiver = await restarted.ConnectTcpAsync();
        Assert.Equal(0u, (await receiver.LoginAsync(bob, tokens.Create(bob, null, "user"))).Code);
        var (firstSync, firstFrames) = await receiver.SyncAsync(seq: 0);
        var delivered = firstFrames.Select(f => ulong.Parse(f.As(Chat.Parser).Text[1..])).ToList();
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        Assert.All(acked.Keys, serial => Assert.Contains(serial, delivered));
        Assert.Equal(Enumerable.Range(1, firstFrames.Count).Select(i => (ulong)i), firstFrames.Select(f => f.Header.Serial));

        // The sender retries everything it sent: acknowledged ones get their original seq, nothing is doubled.
        await using var retrying = await restarted.ConnectTcpAsync();
        Assert.Equal(0u, (await retrying.LoginAsync(alice, tokens.Create(alice, null, "user"))).Code);
        for (ulong serial = 1; serial <= lastSent; serial++)
        {
            var ack = (await retrying.RequestAsync(Cmd.Chat, new Chat { Orig = alice, Dest = bob, Level = 0, Time = 0, Text = $"m{serial}" }, serial)).As(ChatAck.Parser);
            Assert.Equal(0u, ack.Code);
            if (acked.TryGetValue(serial, out var seq))
            {
                Assert.Equal(seq, ack.Seq);
            }
        }

        // A fresh session, so that live pushes of the retried messages do not mix with the replay.
        await using var reader = await restarted.ConnectTcpAsync();
        Assert.Equal(0u, (await reader.LoginAsync(bob, tokens.Create(bob, null, "user"))).Code);
        var (finalSync, finalFrames) = await reader.SyncAsync(seq: 0);
        var all = finalFrames.Select(f => ulong.Parse(f.As(Chat.Parser).Text[1..])).ToList();
        Assert.Equal(Enumerable.Range(1, (int)lastSent).Select(i => (ulong)i), all.Order());
        Assert.Equal((ulong)lastSent, finalSync.Seq);

        async Task Collect((ulong Serial, Task<OrleansIm.Client.ReceivedFrame> Reply) pending)
        {
            try
            {
                var frame = await pending.Reply;
                var ack = frame.As(ChatAck.Parser);
                if (frame.Type == Cmd.ChatAck && ack.Code == 0)
                {
                    acked[pending.Serial] = ack.Seq;
                }
            }
            catch (Exception ex) when (ex is TimeoutException or IOException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // Lost with the process: not acknowledged, so the client will retry it.
            }
        }
    }
}
