using System.Net;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

public sealed class ProductionModeTests
{
    [Fact]
    public async Task Outside_development_there_is_no_dev_token_endpoint()
    {
        await using var server = await ImServer.StartAsync(environment: "Production");
        using var http = new HttpClient { BaseAddress = server.HttpUri, Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/dev/token?uid=1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_missing_signing_key_stops_the_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ImServer.StartAsync(
            new Dictionary<string, string?> { ["Auth:SigningKey"] = "" }, environment: "Production"));
        Assert.Contains("SigningKey", error.ToString());
    }
}
