using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OrleansIm.Protocol;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>
/// An operator's moderation service in the test process: a Kestrel app on a free port that checks each call's
/// signature, keeps what it was asked, and answers by the text's first word:
/// <c>forbidden</c> rejects, <c>secret</c> replaces the word with stars, <c>slow</c> answers allow after 2 s,
/// <c>wait:N</c> answers allow after N ms, <c>fail</c> answers 500, <c>garbage</c> answers 200 with no verdict,
/// <c>quiet</c> answers 204; anything else is allowed.
/// </summary>
public sealed class ModerationService : IAsyncDisposable
{
    public const string Secret = "test-moderation-secret-0123456789";

    private readonly ConcurrentQueue<JsonElement> _asked = new();
    private WebApplication? _app;
    private int _badSignatures;

    private ModerationService(int port) => Port = port;

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/moderate";

    public int BadSignatures => Volatile.Read(ref _badSignatures);

    /// <summary>Every request body it was sent, in arrival order.</summary>
    public IReadOnlyList<JsonElement> Asked => [.. _asked];

    /// <summary>The settings that point a server at this service, with per-command overrides (<c>Chat:OnFailure</c> …).</summary>
    public Dictionary<string, string?> Settings(params (string Key, string Value)[] rules)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Moderation:Url"] = Url,
            ["Moderation:Secret"] = Secret,
        };
        foreach (var (key, value) in rules)
        {
            settings["Moderation:" + key] = value;
        }

        return settings;
    }

    public static async Task<ModerationService> StartAsync()
    {
        var service = new ModerationService(FreePorts.Take(1)[0]);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{service.Port}");
        var app = builder.Build();
        app.MapPost("/moderate", service.HandleAsync);
        await app.StartAsync();
        service._app = app;
        return service;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        if (!WebhookSignature.Verify(Secret, context.Request.Headers[WebhookSignature.TimestampHeader], context.Request.Headers[WebhookSignature.SignatureHeader],
                body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)))
        {
            Interlocked.Increment(ref _badSignatures);
            context.Response.StatusCode = 401;
            return;
        }

        using var document = JsonDocument.Parse(body);
        _asked.Enqueue(document.RootElement.Clone());
        var text = document.RootElement.GetProperty("text").GetString()!;
        var word = text.Split(' ')[0];
        if (word.StartsWith("wait:", StringComparison.Ordinal))
        {
            await Task.Delay(int.Parse(word[5..]));
            word = "";
        }

        switch (word)
        {
            case "forbidden":
                await context.Response.WriteAsJsonAsync(new { action = "reject" });
                break;
            case "secret":
                await context.Response.WriteAsJsonAsync(new { action = "replace", text = text.Replace("secret", "******") });
                break;
            case "slow":
                await Task.Delay(TimeSpan.FromSeconds(2));
                await context.Response.WriteAsJsonAsync(new { action = "allow" });
                break;
            case "fail":
                context.Response.StatusCode = 500;
                break;
            case "garbage":
                await context.Response.WriteAsync("<html>not a verdict</html>");
                break;
            case "quiet":
                context.Response.StatusCode = 204;
                break;
            default:
                await context.Response.WriteAsJsonAsync(new { action = "allow" });
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
