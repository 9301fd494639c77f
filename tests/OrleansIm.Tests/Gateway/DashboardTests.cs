using System.Net;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

public sealed class DashboardTests
{
    [Fact]
    public async Task The_orleans_dashboard_is_served_only_when_enabled()
    {
        await using var enabled = await ImServer.StartAsync(new Dictionary<string, string?> { ["Orleans:DashboardEnabled"] = "true" });
        using var http = new HttpClient { BaseAddress = enabled.HttpUri, Timeout = TimeSpan.FromSeconds(10) };
        var page = await http.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("html", (await page.Content.ReadAsStringAsync()).ToLowerInvariant());

        await using var disabled = await ImServer.StartAsync();
        using var other = new HttpClient { BaseAddress = disabled.HttpUri, Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync("/dashboard")).StatusCode);
    }
}
