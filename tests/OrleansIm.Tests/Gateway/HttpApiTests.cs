using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Gateway.Auth;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

[Collection(EmbeddedServerCollection.Name)]
public sealed class HttpApiTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    private sealed record TokenReply(string Token);

    [Fact]
    public async Task Healthz_answers_ok()
    {
        using var http = Http();
        var response = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_dev_token_endpoint_mints_a_token_that_logs_in()
    {
        var uid = Ids.Next();
        var sid = Ids.Next();
        using var http = Http();
        var reply = await http.GetFromJsonAsync<TokenReply>($"/api/dev/token?uid={uid}&sid={sid}&role=user");
        await using var client = await Server.ConnectAsync("ws");
        var ack = await client.LoginAsync(uid, reply!.Token, 0);
        Assert.Equal((0u, sid), (ack.Code, ack.Sid));

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/dev/token?uid=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/dev/token?uid=1&role=root")).StatusCode);
    }

    [Fact]
    public async Task Minting_tokens_needs_an_admin_bearer_token()
    {
        var uid = Ids.Next();
        using var http = Http();
        var body = JsonContent.Create(new { uid, role = "user", ttlSeconds = 600 });

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/tokens", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, "garbage", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, Server.Token(1, role: Roles.Admin, lifetime: TimeSpan.FromHours(-1)), body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(http, Server.Token(1, role: Roles.User), body)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(http, Server.Token(1, role: Roles.Admin), JsonContent.Create(new { uid = 0 }))).StatusCode);

        var ok = await Send(http, Server.Token(1, role: Roles.Admin), body);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var token = (await ok.Content.ReadFromJsonAsync<TokenReply>())!.Token;
        var claims = await Server.Services.GetRequiredService<TokenService>().ValidateAsync(token);
        Assert.Equal((uid, Roles.User), (claims!.Uid, claims.Role));

        await using var client = await Server.ConnectAsync("tcp");
        Assert.Equal(0u, (await client.LoginAsync(uid, token)).Code);
    }

    [Fact]
    public async Task The_token_subcommand_prints_a_token_signed_with_the_configured_key()
    {
        var (exit, stdout, stderr) = await SiloProcess.RunAsync(
            new Dictionary<string, string> { ["Auth__SigningKey"] = ImServer.SigningKey, ["ASPNETCORE_ENVIRONMENT"] = "Production" },
            "token", "--uid", "4242", "--role", "admin", "--ttl", "600");
        Assert.True(exit == 0, stderr);
        var claims = await Server.Services.GetRequiredService<TokenService>().ValidateAsync(stdout.Trim());
        Assert.Equal((4242UL, Roles.Admin), (claims!.Uid, claims.Role));

        var (badExit, _, badStderr) = await SiloProcess.RunAsync(new Dictionary<string, string> { ["Auth__SigningKey"] = ImServer.SigningKey }, "token", "--role", "admin");
        Assert.Equal(2, badExit);
        Assert.Contains("usage", badStderr);
    }

    private HttpClient Http() => new() { BaseAddress = Server.HttpUri, Timeout = TimeSpan.FromSeconds(10) };

    private static Task<HttpResponseMessage> Send(HttpClient http, string bearer, HttpContent body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = body };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return http.SendAsync(request);
    }
}
