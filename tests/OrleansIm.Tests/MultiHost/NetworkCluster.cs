using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Npgsql;
using OrleansIm.Client;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.MultiHost;

/// <summary>
/// One silo per host of a <see cref="HostNetwork"/>, on a PostgreSQL of the cluster's own that listens on the bridge.
/// Every silo uses the product's ports (HTTP 8002, TCP 9002, silo 11111, Orleans gateway 30000) on its host's address,
/// and runs under a supervisor, as deploy/orleansim.service does: a silo that exits (one the cluster declared dead
/// ends its own process) is started again 2 s later. Disposing ends the silos, PostgreSQL and the namespaces, also
/// after a failed test.
/// </summary>
public sealed class NetworkCluster : IAsyncDisposable
{
    public static readonly int[] Ports = [8002, 9002, 11111, 30000];
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, string> _environment;
    private readonly RunningSilo?[] _silos;
    private readonly Task[] _supervisors;
    private readonly CancellationTokenSource _stopping = new();
    private readonly PostgresCluster _postgres;

    private NetworkCluster(HostNetwork network, PostgresCluster postgres, string database, Dictionary<string, string> environment)
    {
        Network = network;
        _postgres = postgres;
        Database = database;
        _environment = environment;
        _silos = new RunningSilo?[network.Addresses.Length];
        _supervisors = new Task[network.Addresses.Length];
    }

    public HostNetwork Network { get; }

    /// <summary>The connection string the silos use (through the bridge).</summary>
    public string Database { get; }

    public int Count => _silos.Length;

    /// <summary>Each host's TCP gateway, "address:9002".</summary>
    public string[] TcpEndpoints => [.. Network.Addresses.Select(a => $"{a}:{Ports[1]}")];

    public Uri HttpOf(int host) => new($"http://{Network.Addresses[host]}:{Ports[0]}/");

    /// <summary>Every exit of a supervised silo: host, when (since the cluster started), exit code.</summary>
    public ConcurrentQueue<(int Host, TimeSpan At, int ExitCode)> Exits { get; } = new();

    /// <summary>Every start after an exit: host, when its /healthz answered again.</summary>
    public ConcurrentQueue<(int Host, TimeSpan At)> Restarts { get; } = new();

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>Starts <paramref name="count"/> hosts and their silos (in parallel) and waits until all are active members.</summary>
    public static async Task<NetworkCluster> StartAsync(int count, IReadOnlyDictionary<string, string>? settings = null)
    {
        var network = HostNetwork.Create(count);
        PostgresCluster? postgres = null;
        NetworkCluster? cluster = null;
        try
        {
            postgres = await PostgresCluster.StartPrivateAsync(network.BridgeAddress, network.Cidr);
            var database = await postgres.CreateDatabaseAsync();
            var environment = ProcessTokens.Environment(database);
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }

            cluster = new NetworkCluster(network, postgres, database, environment);
            await Task.WhenAll(Enumerable.Range(0, count).Select(async host => cluster._silos[host] = await cluster.StartSiloAsync(host)));
            for (var host = 0; host < count; host++)
            {
                var h = host;
                cluster._supervisors[host] = Task.Run(() => cluster.SuperviseAsync(h));
            }

            await Transports.EventuallyAsync(async () => (await cluster.MembershipAsync()).Count(m => m.Status == Active) == count,
                $"{count} silos active in the membership table", TimeSpan.FromSeconds(60));
            return cluster;
        }
        catch
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
            else
            {
                postgres?.Dispose();
                network.Dispose();
            }

            throw;
        }
    }

    /// <summary>Orleans' SiloStatus values as stored in the membership table.</summary>
    public const int Active = 3;

    public const int Dead = 6;

    public sealed record Member(string Address, int Port, int Generation, string Name, int Status, int ProxyPort);

    /// <summary>The rows of the Orleans membership table, read straight from PostgreSQL.</summary>
    public async Task<List<Member>> MembershipAsync()
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT address, port, generation, siloname, status, proxyport FROM orleans_membership ORDER BY siloname, generation", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var members = new List<Member>();
        while (await reader.ReadAsync())
        {
            members.Add(new Member(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetString(3), reader.GetInt32(4), reader.GetInt32(5)));
        }

        return members;
    }

    /// <summary>Host <paramref name="host"/>'s active row in the membership table.</summary>
    public async Task<Member> ActiveMemberAsync(int host) =>
        Assert.Single(await MembershipAsync(), m => m.Name == $"host{host + 1}" && m.Status == Active);

    /// <summary>/api/iplist of one host, by transport ("tcp" or "ws").</summary>
    public async Task<List<string>> IpListAsync(int host, string type)
    {
        using var http = new HttpClient { BaseAddress = HttpOf(host), Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetFromJsonAsync<List<string>>($"/api/iplist?type={type}") ?? [];
    }

    /// <summary>A logged-in protocol client on host <paramref name="host"/>'s TCP gateway.</summary>
    public async Task<ImClient> LoginAsync(int host, ulong uid)
    {
        var client = await ImClient.ConnectTcpAsync(Network.Addresses[host], Ports[1]);
        var ack = await client.LoginAsync(uid, ProcessTokens.For(uid));
        Assert.Equal(0u, ack.Code);
        return client;
    }

    /// <summary>A protocol client over WebSocket on host <paramref name="host"/>.</summary>
    public async Task<ImClient> LoginWebSocketAsync(int host, ulong uid)
    {
        var client = await ImClient.ConnectWebSocketAsync(new Uri($"ws://{Network.Addresses[host]}:{Ports[0]}/im"));
        var ack = await client.LoginAsync(uid, ProcessTokens.For(uid));
        Assert.Equal(0u, ack.Code);
        return client;
    }

    /// <summary>What the silos printed (all starts), for failure messages.</summary>
    public string Output(int host) => $"{(_output.TryGetValue(host, out var earlier) ? earlier.ToString() : "")}{_silos[host]?.Output}";

    private readonly ConcurrentDictionary<int, System.Text.StringBuilder> _output = new();

    /// <summary>Writes each host's output to host1.log, host2.log… in a new folder (for a failing test) and returns it.</summary>
    public string SaveOutputs(string name)
    {
        var directory = Path.Combine(Environment.GetEnvironmentVariable("IM_TEST_RESULTS") ?? Path.GetTempPath(), $"{name}-{Environment.ProcessId}-{Clock.ElapsedTicks}");
        Directory.CreateDirectory(directory);
        for (var host = 0; host < Count; host++)
        {
            File.WriteAllText(Path.Combine(directory, $"host{host + 1}.log"), Output(host));
        }

        return directory;
    }

    private Task<RunningSilo> StartSiloAsync(int host)
    {
        var environment = new Dictionary<string, string>(_environment) { ["Orleans__SiloName"] = $"host{host + 1}" };
        return RunningSilo.StartAsync(environment, Ports, Network.Namespaces[host], Network.Addresses[host]);
    }

    private async Task SuperviseAsync(int host)
    {
        while (!_stopping.IsCancellationRequested)
        {
            var silo = _silos[host]!;
            await silo.Exited.WaitAsync(_stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            Exits.Enqueue((host, Clock.Elapsed, silo.ExitCode));
            _output.GetOrAdd(host, _ => new()).AppendLine(silo.Output);
            await silo.DisposeAsync();
            await Task.Delay(RestartDelay, _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    _silos[host] = await StartSiloAsync(host);
                    Restarts.Enqueue((host, Clock.Elapsed));
                    break;
                }
                catch (InvalidOperationException ex)
                {
                    // It did not come up (still cut off, or PostgreSQL unreachable): try again, as systemd would.
                    _output.GetOrAdd(host, _ => new()).AppendLine(ex.Message);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The namespaces first: that ends every silo, also one a supervisor is starting right now.
        _stopping.Cancel();
        Network.Dispose();
        foreach (var supervisor in _supervisors.Where(s => s is not null))
        {
            await supervisor.WaitAsync(TimeSpan.FromSeconds(90)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        foreach (var silo in _silos)
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
        }

        _postgres.Dispose();
    }
}
