using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrleansIm.Client;
using OrleansIm.Gateway.Auth;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Silo;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>A real OrleansIm process host (silo + Kestrel) started in-process on free loopback ports.</summary>
public sealed class ImServer : IAsyncDisposable
{
    public const string SigningKey = "test-signing-key-0123456789-abcdefghijklmnop";

    private readonly WebApplication _app;
    private bool _stopped;

    private ImServer(WebApplication app, int httpPort, int tcpPort, FakeTimeProvider? clock)
    {
        _app = app;
        HttpPort = httpPort;
        TcpPort = tcpPort;
        Clock = clock;
    }

    /// <summary>The fake clock OrleansIm's own code runs on (<see cref="ImClock"/>), when the server was started with one.</summary>
    public FakeTimeProvider? Clock { get; }

    public int HttpPort { get; }

    public int TcpPort { get; }

    public IServiceProvider Services => _app.Services;

    public Uri WebSocketUri => new($"ws://127.0.0.1:{HttpPort}/im");

    public Uri HttpUri => new($"http://127.0.0.1:{HttpPort}/");

    public uint Nid => Services.GetRequiredService<GatewayNode>().Nid;

    /// <summary>
    /// Starts a server; <paramref name="settings"/> override the test defaults, <paramref name="replace"/> replaces
    /// services (registered last, so it wins: a fake clock, a recording grain layer).
    /// </summary>
    public static async Task<ImServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, string environment = "Development", Action<IServiceCollection>? replace = null, FakeTimeProvider? clock = null)
    {
        if (clock is not null)
        {
            var then = replace;
            replace = services =>
            {
                services.AddKeyedSingleton<TimeProvider>(ImClock.Key, clock);
                then?.Invoke(services);
            };
        }

        var ports = FreePorts.Take(4);
        var config = new Dictionary<string, string?>
        {
            ["Gateway:ListenAddress"] = "127.0.0.1",
            ["Gateway:HttpPort"] = ports[0].ToString(),
            ["Gateway:TcpPort"] = ports[1].ToString(),
            ["Orleans:SiloPort"] = ports[2].ToString(),
            ["Orleans:GatewayPort"] = ports[3].ToString(),
            ["Auth:SigningKey"] = SigningKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:OrleansIm"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var app = ImHost.Build([$"--environment={environment}"], c => c.AddInMemoryCollection(config), replace);
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return new ImServer(app, int.Parse(config["Gateway:HttpPort"]!), int.Parse(config["Gateway:TcpPort"]!), clock);
    }

    public string Token(ulong uid, ulong? sid = null, string role = Roles.User, TimeSpan? lifetime = null) =>
        Services.GetRequiredService<TokenService>().Create(uid, sid, role, lifetime);

    public async Task<ImClient> ConnectAsync(string transport) => transport switch
    {
        "tcp" => await ImClient.ConnectTcpAsync("127.0.0.1", TcpPort),
        "ws" => await ImClient.ConnectWebSocketAsync(WebSocketUri),
        _ => throw new ArgumentOutOfRangeException(nameof(transport)),
    };

    /// <summary>Connects and logs in; fails the test if the login is refused.</summary>
    public async Task<ImClient> LoginAsync(string transport, ulong uid, ulong sid = 0)
    {
        var client = await ConnectAsync(transport);
        var ack = await client.LoginAsync(uid, Token(uid), sid);
        Assert.Equal(0u, ack.Code);
        return client;
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;

        // On a fake clock, the drain's waits pass only as the clock moves: it moves while the server stops.
        using var stopped = new CancellationTokenSource();
        var ticking = Clock is null ? Task.CompletedTask : TickAsync(Clock, stopped.Token);
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await stopped.CancelAsync();
        await ticking;
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static async Task TickAsync(FakeTimeProvider clock, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            clock.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(TimeSpan.FromMilliseconds(10), CancellationToken.None);
        }
    }
}
