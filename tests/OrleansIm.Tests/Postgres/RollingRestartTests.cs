using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.Postgres;

/// <summary>
/// The rolling restart in deploy/README.md, under chat load: each silo of a two-silo cluster in turn gets SIGTERM
/// (its sessions drain with KICK 10002 and reconnect to the other), starts again on its ports, and rejoins before the
/// next one goes. No acknowledged message is lost or stored twice.
/// </summary>
public sealed class RollingRestartTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Restarting_every_silo_one_by_one_under_chat_load_loses_nothing()
    {
        var environment = ProcessTokens.Environment(await PostgresServers.NewDatabaseAsync());
        environment["Gateway__RequestsPerSecond"] = "10000";
        environment["Gateway__RequestBurst"] = "10000";
        var silos = new[] { await RunningSilo.StartAsync(environment), await RunningSilo.StartAsync(environment) };
        try
        {
            await RestartUnderLoadAsync(environment, silos);
        }
        finally
        {
            // Whatever happened, no silo process outlives the test.
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private async Task RestartUnderLoadAsync(Dictionary<string, string> environment, RunningSilo[] silos)
    {
        int[] ports = [silos[0].TcpPort, silos[1].TcpPort];
        int[] httpPorts = [silos[0].HttpPort, silos[1].HttpPort];

        const int Pairs = 6;
        var writers = Enumerable.Range(0, Pairs).Select(i => new ResilientClient(Ids.Next(), ports, i % 2)).ToArray();
        var readers = Enumerable.Range(0, Pairs).Select(i => new ResilientClient(Ids.Next(), ports, (i + 1) % 2)).ToArray();
        foreach (var reader in readers)
        {
            // Logged in before any message is sent (a replay waits for a lull in the frames it receives).
            await reader.SyncAllAsync();
        }

        var acked = new ConcurrentDictionary<string, ulong>();
        using var stop = new CancellationTokenSource();
        var load = writers.Select((writer, i) => Task.Run(async () =>
        {
            for (ulong n = 1; !stop.IsCancellationRequested; n++)
            {
                var text = $"r{i}-{n}";
                if (await writer.SendAsync(Cmd.Chat, new Chat { Orig = writer.Uid, Dest = readers[i].Uid, Level = 1, Time = 1, Text = text }, n, stop.Token) is { } seq)
                {
                    acked[text] = seq;
                }

                await Task.Delay(10);
            }
        })).ToArray();

        var timings = new List<string>();
        var total = Stopwatch.StartNew();
        await Task.Delay(2000);
        for (var i = 0; i < silos.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            var before = acked.Count;
            Assert.Equal(0, await silos[i].TerminateAsync(TimeSpan.FromSeconds(60)));
            var drained = clock.Elapsed;
            await silos[i].DisposeAsync();
            silos[i] = await RunningSilo.StartAsync(environment, silos[i].Ports);
            var back = clock.Elapsed;
            await WaitForBothGatewaysAsync(httpPorts);
            var rejoined = clock.Elapsed;
            await Transports.EventuallyAsync(() => Task.FromResult(acked.Count > before + 100), "chat flowing", TimeSpan.FromSeconds(30));
            timings.Add($"at {total.Elapsed.TotalSeconds:F0} s silo {i + 1}: drained and exited in {drained.TotalSeconds:F1} s, serving again after {back.TotalSeconds:F1} s, both gateways listed after {rejoined.TotalSeconds:F1} s");
        }

        await Task.Delay(1000);
        var phases = Stopwatch.StartNew();
        stop.Cancel();
        await Task.WhenAll(load);
        var stopped = phases.Elapsed;
        var live = readers.Sum(r => r.Inbox.Count);
        foreach (var reader in readers)
        {
            await reader.SyncAllAsync();
        }

        timings.Add($"load stopped in {stopped.TotalSeconds:F1} s, replayed in {(phases.Elapsed - stopped).TotalSeconds:F1} s");

        for (var i = 0; i < Pairs; i++)
        {
            Assert.Empty(readers[i].Conflicts);
            var texts = readers[i].Inbox.Values.ToList();
            Assert.Equal(texts.Count, texts.Distinct().Count());
            Assert.All(acked.Keys.Where(t => t.StartsWith($"r{i}-", StringComparison.Ordinal)), t => Assert.Contains(t, texts));
        }

        var delivered = readers.Sum(r => r.Inbox.Count);
        Assert.Equal(acked.Count, delivered);
        log.WriteLine($"rolling restart of 2 silos under chat load: {string.Join("; ", timings)}; {acked.Count} messages acknowledged, " +
            $"{live} delivered live, {delivered} after SYNC (each once); {writers.Concat(readers).Sum(c => c.Reconnects)} reconnections");
        foreach (var client in writers.Concat(readers))
        {
            await client.DisposeAsync();
        }
    }

    private static async Task WaitForBothGatewaysAsync(int[] httpPorts)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Transports.EventuallyAsync(async () =>
        {
            try
            {
                var list = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{httpPorts[0]}/api/iplist?type=tcp")).RootElement;
                return list.GetArrayLength() == 2;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "both gateways listed", TimeSpan.FromSeconds(60));
    }
}
