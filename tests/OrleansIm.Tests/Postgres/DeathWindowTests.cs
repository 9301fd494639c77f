using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.Postgres;

/// <summary>
/// The seconds between a silo's death and the cluster declaring it dead, when the grain directory still points at it:
/// what its clients need right then (the gateway list, a login elsewhere) works. Logins wait for the grains to move
/// instead of being refused with 10001; <c>/api/iplist</c> answers from what the node knew.
/// </summary>
public sealed class DeathWindowTests(ITestOutputHelper log)
{
    // Declared dead within several seconds, inside the login retry time the first test sets (15 s), and not before
    // the logins start even on a busy machine (with 1 s probes and 2 misses it once was, and no login waited).
    private static readonly Dictionary<string, string?> FastMembership = new()
    {
        ["Orleans:Membership:ProbeTimeout"] = "00:00:02",
        ["Orleans:Membership:NumMissedProbesLimit"] = "3",
        ["Orleans:Membership:NumVotesForDeathDeclaration"] = "1",
        ["Orleans:Membership:TableRefreshTimeout"] = "00:00:02",
    };

    /// <summary>A silo process on <paramref name="database"/> with the same fast membership settings.</summary>
    private static Dictionary<string, string> SiloProcessEnvironment(string database)
    {
        var environment = ProcessTokens.Environment(database);
        foreach (var (key, value) in FastMembership)
        {
            environment[key.Replace(":", "__")] = value!;
        }

        return environment;
    }

    [Fact]
    public async Task Logins_that_reach_grains_of_a_silo_not_yet_declared_dead_succeed_once_it_is()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        // Room for a slow death declaration on a busy machine (the clients here wait 30 s).
        await using var survivor = await PostgresServers.StartAsync(db, new Dictionary<string, string?>(FastMembership) { ["Gateway:LoginRetryTime"] = "00:00:15" });
        var environment = SiloProcessEnvironment(db);
        await using var doomed = await RunningSilo.StartAsync(environment);

        var management = survivor.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        await Transports.EventuallyAsync(async () => (await management.GetHosts(onlyActive: true)).Count == 2, "both silos active", TimeSpan.FromSeconds(60));

        // Logged in on the doomed silo first: their user grains live there (placed where first called).
        var users = Enumerable.Range(0, 12).Select(_ => Ids.Next()).ToArray();
        var sids = new ulong[users.Length];
        var old = new List<ImClient>();
        for (int i = 0; i < users.Length; i++)
        {
            var client = await doomed.ConnectTcpAsync();
            var ack = await client.LoginAsync(users[i], survivor.Token(users[i]));
            Assert.Equal(0u, ack.Code);
            sids[i] = ack.Sid;
            old.Add(client);
        }

        await doomed.KillAsync();
        var clock = Stopwatch.StartNew();

        // Every user at once, through the survivor, with the device id it had.
        var logins = users.Select(async (uid, i) =>
        {
            var client = await survivor.ConnectAsync(i % 2 == 0 ? "tcp" : "ws");
            var ack = await client.LoginAsync(uid, survivor.Token(uid), sids[i], timeout: TimeSpan.FromSeconds(30));
            return (client, ack, clock.Elapsed);
        }).ToArray();
        var results = await Task.WhenAll(logins);
        log.WriteLine("logins after the kill, ms: " + string.Join(", ", results.Select(r => $"{r.ack.Code}@{r.Elapsed.TotalMilliseconds:F0}")));

        for (int i = 0; i < users.Length; i++)
        {
            Assert.Equal((0u, sids[i]), (results[i].ack.Code, results[i].ack.Sid));
        }

        // The logins had to wait for the death declaration: the grains were unreachable at first.
        Assert.True(results.Max(r => r.Elapsed) > TimeSpan.FromMilliseconds(500), "no login waited: the test did not hit the window it is about");

        // And the sessions work: each user gets a message.
        await using var sender = await survivor.LoginAsync("tcp", Ids.Next());
        foreach (var (uid, (client, _, _)) in users.Zip(results))
        {
            Assert.Equal(0u, (await sender.ChatAsync(uid, $"back, {uid}")).Code);
            Assert.Equal($"back, {uid}", (await client.ReceiveAsync(Cmd.Chat, TimeSpan.FromSeconds(10))).As(Chat.Parser).Text);
        }

        foreach (var client in results.Select(r => r.client).Concat(old))
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_gateway_list_answers_while_the_node_directory_is_on_a_silo_not_yet_declared_dead()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        var environment = SiloProcessEnvironment(db);
        // Alone in the cluster when its gateway first reports: the node directory (a single grain) is placed on it.
        await using var doomed = await RunningSilo.StartAsync(environment);
        await using var survivor = await PostgresServers.StartAsync(db, FastMembership);
        var management = survivor.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        await Transports.EventuallyAsync(async () => (await management.GetHosts(onlyActive: true)).Count == 2, "both silos active", TimeSpan.FromSeconds(60));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{survivor.HttpPort}/"), Timeout = TimeSpan.FromSeconds(10) };
        var own = $"127.0.0.1:{survivor.TcpPort}";
        var other = $"127.0.0.1:{doomed.TcpPort}";
        await Transports.EventuallyAsync(async () =>
        {
            var list = await http.GetFromJsonAsync<List<string>>("api/iplist?type=tcp");
            return list!.Contains(own) && list.Contains(other);
        }, "both gateways listed", TimeSpan.FromSeconds(30));

        await doomed.KillAsync();
        var clock = Stopwatch.StartNew();
        var answers = new List<string>();
        while (clock.Elapsed < TimeSpan.FromSeconds(6))
        {
            var response = await http.GetAsync("api/iplist?type=tcp");
            var body = await response.Content.ReadAsStringAsync();
            answers.Add($"{clock.Elapsed.TotalMilliseconds:F0} ms: {(int)response.StatusCode} {body}");
            Assert.True(response.IsSuccessStatusCode, string.Join("\n", answers));
            Assert.Contains(own, System.Text.Json.JsonSerializer.Deserialize<List<string>>(body)!);
            await Task.Delay(200);
        }

        log.WriteLine(string.Join("\n", answers));
    }
}
