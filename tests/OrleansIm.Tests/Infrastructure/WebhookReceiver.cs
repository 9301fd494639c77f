using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OrleansIm.Grains.Events;
using OrleansIm.Protocol;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>
/// An operator's webhook endpoint in the test process: a Kestrel app on a free port that checks each POST's signature,
/// keeps what it accepted, and can be told to fail (a status, a delay, garbage) or be down (stopped, same port).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public const string Secret = "test-webhook-secret-0123456789";

    private readonly ConcurrentQueue<JsonElement> _events = new();
    private readonly ConcurrentQueue<string> _refusals = new();
    private WebApplication? _app;
    private int _posts;
    private int _badSignatures;

    private WebhookReceiver(int port) => Port = port;

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hooks";

    /// <summary>What the next POSTs get instead of 200: a status (0: 200), and a delay before answering.</summary>
    public Func<int, (int Status, TimeSpan Delay, bool Garbage)> Behaviour { get; set; } = _ => (0, TimeSpan.Zero, false);

    /// <summary>POSTs received, accepted or not.</summary>
    public int Posts => Volatile.Read(ref _posts);

    public int BadSignatures => Volatile.Read(ref _badSignatures);

    /// <summary>Every event of every accepted POST, in arrival order (repeats included).</summary>
    public IReadOnlyList<JsonElement> Events => [.. _events];

    /// <summary>The settings that point a server at this receiver.</summary>
    public Dictionary<string, string?> Settings(params string[] events)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:Url"] = Url,
            ["Webhooks:Secret"] = Secret,
            ["Webhooks:RetryMin"] = "00:00:00.100",
            ["Webhooks:RetryMax"] = "00:00:00.500",
            ["Webhooks:PollInterval"] = "00:00:00.050",
            ["Webhooks:Timeout"] = "00:00:02",
        };
        for (int i = 0; i < events.Length; i++)
        {
            settings[$"Webhooks:Events:{i}"] = events[i];
        }

        return settings;
    }

    public static async Task<WebhookReceiver> StartAsync(bool listening = true)
    {
        var receiver = new WebhookReceiver(FreePorts.Take(1)[0]);
        if (listening)
        {
            await receiver.ListenAsync();
        }

        return receiver;
    }

    /// <summary>Starts listening (again) on the same port.</summary>
    public async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        var app = builder.Build();
        app.MapPost("/hooks", HandleAsync);
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops listening: the server finds nobody at the URL.</summary>
    public async Task StopListeningAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var post = Interlocked.Increment(ref _posts);
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var (status, delay, garbage) = Behaviour(post);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay);
        }

        if (!WebhookSignature.Verify(Secret, context.Request.Headers[WebhookSignature.TimestampHeader], context.Request.Headers[WebhookSignature.SignatureHeader],
                body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)))
        {
            Interlocked.Increment(ref _badSignatures);
            context.Response.StatusCode = 401;
            return;
        }

        if (status != 0 && status != 200)
        {
            _refusals.Enqueue($"{post}: {status}");
            context.Response.StatusCode = status;
            if (garbage)
            {
                await context.Response.WriteAsync("<html>upstream trouble</html>");
            }

            return;
        }

        using var document = JsonDocument.Parse(body);
        foreach (var e in document.RootElement.GetProperty("events").EnumerateArray())
        {
            _events.Enqueue(e.Clone());
        }

        context.Response.StatusCode = 200;
        if (garbage)
        {
            await context.Response.WriteAsync("\u0000\u0001not json at all");
        }
    }

    /// <summary>The accepted events of <paramref name="type"/>.</summary>
    public List<JsonElement> OfType(string type) => [.. Events.Where(e => e.GetProperty("type").GetString() == type)];

    /// <summary>Waits until <paramref name="done"/> holds for the accepted events.</summary>
    public async Task<List<JsonElement>> WaitAsync(string type, Func<List<JsonElement>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var events = OfType(type);
            if (done(events))
            {
                return events;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{type}: {events.Count} events after waiting; all so far: {string.Join(" | ", Events.Select(e => e.GetRawText()))}");
            }

            await Task.Delay(25);
        }
    }

    public Task<List<JsonElement>> WaitCountAsync(string type, int count, TimeSpan? timeout = null) => WaitAsync(type, e => e.Count >= count, timeout);

    public async ValueTask DisposeAsync() => await StopListeningAsync();
}
