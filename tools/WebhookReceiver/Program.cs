// A webhook receiver to run beside a development server: it prints every event it is sent, one JSON line each,
// after checking the POST's signature the way a production receiver should (see docs/webhooks.md).
//
//   dotnet run --project tools/WebhookReceiver -- --port 9090 --secret "the Webhooks:Secret"
//   (then start the server with Webhooks__Url=http://127.0.0.1:9090/ and the same Webhooks__Secret)
//
// --fail N answers the first N POSTs with 503, to watch the server send them again; --quiet prints no events, only
// a count every ten seconds (for measuring).
//
// It also answers moderation calls (docs/moderation.md), so it can stand in for a moderation service: start the
// server with Moderation__Url=http://127.0.0.1:9090/moderate and the same secret as Moderation__Secret. Every
// message is allowed, except that one containing the --reject word is rejected and the --replace word is starred out.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

var port = 9090;
var secret = Environment.GetEnvironmentVariable("WEBHOOK_SECRET") ?? "";
var failFirst = 0;
string? rejectWord = null, replaceWord = null;
var quiet = args.Contains("--quiet");
args = [.. args.Where(a => a != "--quiet")];
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port": port = int.Parse(args[i + 1]); break;
        case "--secret": secret = args[i + 1]; break;
        case "--fail": failFirst = int.Parse(args[i + 1]); break;
        case "--reject": rejectWord = args[i + 1]; break;
        case "--replace": replaceWord = args[i + 1]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

if (secret.Length < 16)
{
    Console.Error.WriteLine("give the server's Webhooks:Secret with --secret (or WEBHOOK_SECRET); it has at least 16 characters");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
var app = builder.Build();
var posts = 0;
var received = 0L;
var verdicts = 0L;
app.MapPost("/moderate", async (HttpRequest request) =>
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    var body = buffer.ToArray();
    if (!Verified(secret, request.Headers["X-OrleansIm-Timestamp"], request.Headers["X-OrleansIm-Signature"], body))
    {
        Console.WriteLine("# moderation call: bad or stale signature, refused with 401");
        return Results.StatusCode(401);
    }

    Interlocked.Increment(ref verdicts);
    using var document = JsonDocument.Parse(body);
    var text = document.RootElement.GetProperty("text").GetString() ?? "";
    object verdict = rejectWord is not null && text.Contains(rejectWord, StringComparison.OrdinalIgnoreCase)
        ? new { action = "reject" }
        : replaceWord is not null && text.Contains(replaceWord, StringComparison.OrdinalIgnoreCase)
            ? new { action = "replace", text = text.Replace(replaceWord, new string('*', replaceWord.Length), StringComparison.OrdinalIgnoreCase) }
            : new { action = "allow" };
    if (!quiet)
    {
        Console.WriteLine($"# moderation {document.RootElement.GetRawText()} -> {JsonSerializer.Serialize(verdict)}");
    }

    return Results.Json(verdict);
});
app.MapPost("/{**path}", async (HttpRequest request) =>
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    var body = buffer.ToArray();
    var post = Interlocked.Increment(ref posts);
    if (!Verified(secret, request.Headers["X-OrleansIm-Timestamp"], request.Headers["X-OrleansIm-Signature"], body))
    {
        Console.WriteLine($"# POST {post}: bad or stale signature, refused with 401");
        return Results.StatusCode(401);
    }

    if (post <= failFirst)
    {
        Console.WriteLine($"# POST {post}: answering 503 as asked (--fail {failFirst})");
        return Results.StatusCode(503);
    }

    using var document = JsonDocument.Parse(body);
    foreach (var e in document.RootElement.GetProperty("events").EnumerateArray())
    {
        Interlocked.Increment(ref received);
        if (!quiet)
        {
            Console.WriteLine(e.GetRawText());
        }
    }

    return Results.Ok();
});
if (quiet)
{
    _ = Task.Run(async () =>
    {
        for (var last = 0L; ; await Task.Delay(TimeSpan.FromSeconds(10)))
        {
            var now = Interlocked.Read(ref received) + Interlocked.Read(ref verdicts);
            if (now != last)
            {
                Console.WriteLine($"# {Interlocked.Read(ref received)} events and {Interlocked.Read(ref verdicts)} moderation calls so far");
                last = now;
            }
        }
    });
}

Console.WriteLine($"# listening on http://127.0.0.1:{port}/ ; Ctrl-C to stop");
await app.RunAsync();
return 0;

// The check every receiver makes: the timestamp is recent (a replayed POST is refused), and the signature is the
// HMAC-SHA256 of "<timestamp>.<body>" keyed with the shared secret, compared in constant time.
static bool Verified(string secret, string? timestamp, string? signature, byte[] body)
{
    if (!long.TryParse(timestamp, out var seconds) || signature is null || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 300)
    {
        return false;
    }

    var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray();
    var expected = "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature));
}
