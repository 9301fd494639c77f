using System.Net.Http.Json;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

public sealed class EmbeddedProcessTests
{
    private sealed record TokenReply(string Token);

    [Fact]
    public async Task The_silo_executable_starts_in_embedded_mode_with_no_database_and_serves_logins()
    {
        await using var silo = await RunningSilo.StartAsync(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" });

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var uid = Ids.Next();
        var reply = await http.GetFromJsonAsync<TokenReply>($"http://127.0.0.1:{silo.HttpPort}/api/dev/token?uid={uid}");
        await using var client = await silo.ConnectTcpAsync();
        Assert.Equal(0u, (await client.LoginAsync(uid, reply!.Token)).Code);

        await Transports.EventuallyAsync(() => Task.FromResult(silo.Output.Contains("embedded (single silo, in-memory) mode")), "the mode line in the log");
        Assert.Contains($"TCP port {silo.TcpPort}", silo.Output);
    }
}
