using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Hosting;

/// <summary>The Silo as a process under a hosting platform's environment, and the configurations it refuses.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task App_Service_variables_decide_the_ports_the_address_and_the_name_and_tcp_can_be_off()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        var ports = FreePorts.Take(5); // PORT, an unused TCP port, two private ports, and a Gateway:HttpPort that must lose
        var environment = ProcessTokens.Environment(db);
        environment["PORT"] = ports[0].ToString();
        environment["Gateway__HttpPort"] = ports[4].ToString();
        environment["Gateway__TcpPort"] = "0";
        environment["WEBSITE_PRIVATE_IP"] = "127.0.0.1";
        environment["WEBSITE_PRIVATE_PORTS"] = $"{ports[2]},{ports[3]}";
        environment["WEBSITE_INSTANCE_ID"] = "a1b2c3d4e5f6instance";
        await using var silo = await RunningSilo.StartAsync(environment, [ports[0], ports[1], 1, 1]);

        // HTTP and WebSocket on PORT; nothing on Gateway:HttpPort; no raw TCP listener anywhere.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[0]}/"), Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync($"http://127.0.0.1:{ports[4]}/healthz"));
        using (var tcp = new TcpClient())
        {
            await Assert.ThrowsAnyAsync<SocketException>(() => tcp.ConnectAsync("127.0.0.1", ports[1]));
        }

        await using var ws = await OrleansIm.Client.ImClient.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{ports[0]}/im"));
        var uid = Ids.Next();
        Assert.Equal(0u, (await ws.LoginAsync(uid, ProcessTokens.For(uid))).Code);

        // Clients are told only about WebSocket; the membership table has the private address, ports and the instance.
        await Transports.EventuallyAsync(async () => JsonDocument.Parse(await http.GetStringAsync("/api/iplist?type=ws")).RootElement.GetArrayLength() == 1, "the ws listener listed");
        Assert.Equal(0, JsonDocument.Parse(await http.GetStringAsync("/api/iplist?type=tcp")).RootElement.GetArrayLength());
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT address, port, proxyport, siloname FROM orleans_membership WHERE status = 3", connection);
        await using var row = await query.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.Equal("127.0.0.1", row.GetString(0));
        Assert.Equal(ports[2], row.GetInt32(1));
        Assert.Equal(ports[3], row.GetInt32(2));
        Assert.Equal("a1b2c3d4e5f6instance", row.GetString(3));
        Assert.False(await row.ReadAsync());
    }

    public static TheoryData<string, string[], string> Refusals => new()
    {
        { "no signing key", ["Auth__SigningKey", ""], "SigningKey" },
        { "a short signing key", ["Auth__SigningKey", "too-short-for-hs256"], "minimum length of '32'" },
        { "conflicting ports", ["Gateway__HttpPort", "18123", "Gateway__TcpPort", "18123"], "Gateway:HttpPort and Gateway:TcpPort are all 18123" },
        { "an HTTP port of 0", ["Gateway__HttpPort", "0"], "Gateway:HttpPort is 0" },
        { "a malformed platform port", ["PORT", "eighty"], "PORT is \"eighty\", not a port number" },
        { "one private port", ["WEBSITE_PRIVATE_PORTS", "20001"], "needs two private ports" },
        { "a malformed proxy", ["Gateway__TrustedProxies__0", "the-load-balancer"], "\"the-load-balancer\" is neither an IP address nor a CIDR network" },
        { "a database that never answers", ["ConnectionStrings__Postgres", "Host=127.0.0.1;Port=1;Username=x;Database=x;Timeout=1", "Orleans__DatabaseWaitTimeout", "00:00:03"],
            "did not accept a connection within 3 s" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_configuration_that_cannot_work_is_refused_with_a_clear_message(string what, string[] settings, string message)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Auth__SigningKey"] = ImServer.SigningKey,
            ["Gateway__ListenAddress"] = "127.0.0.1",
        };
        var ports = FreePorts.Take(4);
        environment["Gateway__HttpPort"] = ports[0].ToString();
        environment["Gateway__TcpPort"] = ports[1].ToString();
        environment["Orleans__SiloPort"] = ports[2].ToString();
        environment["Orleans__GatewayPort"] = ports[3].ToString();
        for (var i = 0; i < settings.Length; i += 2)
        {
            environment[settings[i]] = settings[i + 1];
        }

        var (exit, stdout, stderr) = await SiloProcess.RunAsync(environment);
        Assert.True(exit != 0, $"{what}: exited 0\n{stdout}");
        Assert.Contains("orleansim: cannot start: ", stderr);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr); // one clear line, not a stack trace
    }
}
