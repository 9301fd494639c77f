using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Gateway.Auth;
using OrleansIm.Protocol;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Postgres;

public sealed class PushClusterTests
{
    [Fact]
    public async Task Broadcasts_and_p2p_pushes_reach_sessions_on_both_silos()
    {
        var db = await PostgresServers.NewDatabaseAsync();
        await using var a = await PostgresServers.StartAsync(db);
        await using var b = await PostgresServers.StartAsync(db);
        await ClusterReady.WaitAsync(a.Services.GetRequiredService<IGrainFactory>(), 2);

        await using var onA = await a.LoginAsync("tcp", Ids.Next());
        await using var onB = await b.LoginAsync("ws", Ids.Next());

        using var http = new HttpClient { BaseAddress = a.HttpUri, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", a.Token(1, role: Roles.Admin));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await http.PostAsync("/api/push/broadcast", new ByteArrayContent([1, 2, 3]))).StatusCode);
        Assert.Equal([1, 2, 3], (await onA.ReceiveAsync(Cmd.Bc)).Body);
        Assert.Equal([1, 2, 3], (await onB.ReceiveAsync(Cmd.Bc)).Body);

        Assert.True((await http.PostAsync($"/api/push/users/{onB.Uid}", new ByteArrayContent([5]))).IsSuccessStatusCode);
        Assert.Equal([5], (await onB.ReceiveAsync(Cmd.P2P)).Body);

        Assert.Equal("Healthy", await http.GetStringAsync("/readyz"));
        using var stats = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/stats"));
        Assert.Equal(2, stats.RootElement.GetProperty("nodes").GetArrayLength());
    }
}
