using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Webhooks;

/// <summary>
/// A receiver that is down, answers errors or garbage, is slow, or checks another secret: events wait, are sent again
/// in order, and arrive once it accepts them; the backlog has a bound, counted in /metrics; bad settings stop the
/// start with one line.
/// </summary>
public sealed class WebhookFaultTests
{
    [Fact]
    public async Task A_receiver_down_then_failing_then_slow_gets_every_event_in_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync(listening: false);
        var settings = receiver.Settings();
        settings["Webhooks:Timeout"] = "00:00:00.500";
        settings["Webhooks:MaxBatch"] = "7";
        await using var server = await ImServer.StartAsync(settings);
        ulong alice = Ids.Next(), bob = Ids.Next(), carol = Ids.Next();
        await using var a = await server.LoginAsync("tcp", alice);

        // Down: nothing listens at the URL while thirty messages are stored.
        for (int i = 1; i <= 15; i++)
        {
            await a.ChatAsync(bob, $"to bob {i}");
            await a.ChatAsync(carol, $"to carol {i}");
        }

        await Task.Delay(300);

        // Back, but the first answers are 500 with an HTML page, then one is slower than the timeout (it is taken
        // in after the server gave up, so those events come twice), then everything is accepted.
        receiver.Behaviour = post => post switch
        {
            <= 3 => (500, TimeSpan.Zero, true),
            4 => (0, TimeSpan.FromSeconds(1), false),
            _ => (0, TimeSpan.Zero, post % 2 == 0),
        };
        await receiver.ListenAsync();
        var events = await receiver.WaitAsync("message.offline", e => e.Select(x => x.GetProperty("id").GetInt64()).Distinct().Count() == 30);

        // Each user's events in seq order, each seq once at least; repeats only of a POST the server timed out on.
        foreach (var uid in new[] { bob, carol })
        {
            var seqs = events.Where(e => e.GetProperty("uid").GetUInt64() == uid).Select(e => e.GetProperty("seq").GetUInt64()).ToList();
            Assert.Equal(Enumerable.Range(1, 15).Select(i => (ulong)i), seqs.Distinct());
            Assert.Equal(seqs.Distinct().Order(), FirstOccurrences(seqs));
        }

        Assert.True(events.Count - 30 <= 7, $"{events.Count - 30} repeats: more than the one timed-out batch");
        Assert.True(receiver.Posts >= 5);
        Assert.Equal(0, receiver.BadSignatures);
    }

    [Fact]
    public async Task A_receiver_with_another_secret_refuses_every_post_and_nothing_is_lost_meanwhile()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var settings = receiver.Settings();
        settings["Webhooks:Secret"] = "not-the-receivers-secret-at-all";
        await using var server = await ImServer.StartAsync(settings);
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await server.LoginAsync("ws", alice);
        await a.ChatAsync(bob, "signed wrongly");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (receiver.BadSignatures < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(receiver.BadSignatures >= 3, $"{receiver.BadSignatures} refused posts");
        Assert.Empty(receiver.Events);

        // Waiting, and said so in /metrics (several test servers share the process's meters, so the figure is read
        // from this server's own service).
        Assert.Equal(1, server.Services.GetRequiredService<OrleansIm.Grains.Events.WebhookEvents>().Backlog);
        using var http = new HttpClient { BaseAddress = server.HttpUri };
        Assert.Contains("im_webhook_backlog", await http.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task The_backlog_is_bounded_and_what_is_refused_is_counted()
    {
        await using var receiver = await WebhookReceiver.StartAsync(listening: false);
        var settings = receiver.Settings();
        settings["Webhooks:MaxBacklog"] = "5";
        await using var server = await ImServer.StartAsync(settings);
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await server.LoginAsync("tcp", alice);
        for (int i = 1; i <= 8; i++)
        {
            Assert.Equal(0u, (await a.ChatAsync(bob, $"m{i}")).Code);
        }

        using var http = new HttpClient { BaseAddress = server.HttpUri };
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Equal(3, Gauge(metrics, "im_webhook_events_dropped_total"));

        // The five recorded arrive, the first five; messages themselves were all stored.
        await receiver.ListenAsync();
        var events = await receiver.WaitCountAsync("message.offline", 5);
        Assert.Equal([1UL, 2, 3, 4, 5], events.Select(e => e.GetProperty("seq").GetUInt64()));
        var (sync, frames) = await (await server.LoginAsync("tcp", bob)).SyncAsync(seq: 0);
        Assert.Equal(8UL, sync.Seq);
        await Task.Delay(300);
        Assert.Equal(5, receiver.OfType("message.offline").Count);
        Assert.True(frames.Count >= 8);
    }

    [Theory]
    [InlineData("Webhooks__Url", "ftp://example.test/hooks", "Webhooks:Url \"ftp://example.test/hooks\" is not an absolute http or https URL")]
    [InlineData("Webhooks__Secret", "short", "Webhooks:Secret must be at least 16 characters")]
    [InlineData("Webhooks__Events__0", "message.sent", "unknown event type \"message.sent\"")]
    public async Task Bad_webhook_settings_stop_the_start_with_one_line(string key, string value, string said)
    {
        var environment = new Dictionary<string, string>
        {
            ["Webhooks__Url"] = "http://127.0.0.1:9/hooks",
            ["Webhooks__Secret"] = WebhookReceiver.Secret,
            [key] = value,
        };
        await SiloProcess.AssertRefusedAsync(environment, said);
    }

    private static List<ulong> FirstOccurrences(List<ulong> seqs)
    {
        var seen = new HashSet<ulong>();
        return [.. seqs.Where(seen.Add)];
    }

    private static double Gauge(string metrics, string name)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length == name.Length || l[name.Length] is ' ' or '{'))
            ?? throw new Xunit.Sdk.XunitException($"{name} is not in /metrics");
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>The receiver a developer runs from the repository (tools/WebhookReceiver) prints what a server sends it.</summary>
public sealed class WebhookReceiverToolTests
{
    [Fact]
    public async Task The_receiver_tool_checks_signatures_prints_events_and_can_fail_on_purpose()
    {
        var port = FreePorts.Take(1)[0];
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "OrleansIm.WebhookReceiver.dll"), "--port", port.ToString(), "--secret", WebhookReceiver.Secret, "--fail", "1", "--reject", "spam", "--replace", "darn" })
        {
            start.ArgumentList.Add(arg);
        }

        using var tool = System.Diagnostics.Process.Start(start)!;
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        tool.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        tool.BeginOutputReadLine();
        try
        {
            await Until(() => lines.Any(l => l.StartsWith("# listening", StringComparison.Ordinal)), lines);
            var settings = new Dictionary<string, string?>
            {
                ["Webhooks:Url"] = $"http://127.0.0.1:{port}/",
                ["Webhooks:Secret"] = WebhookReceiver.Secret,
                ["Webhooks:RetryMin"] = "00:00:00.100",
                ["Webhooks:PollInterval"] = "00:00:00.050",
                ["Moderation:Url"] = $"http://127.0.0.1:{port}/moderate",
                ["Moderation:Secret"] = WebhookReceiver.Secret,
                ["Moderation:Chat:Timeout"] = "00:00:05",
            };
            await using var server = await ImServer.StartAsync(settings);
            ulong alice = Ids.Next(), bob = Ids.Next();
            await using var a = await server.LoginAsync("tcp", alice);
            Assert.Equal(ResultCode.ModerationRejected, (await a.ChatAsync(bob, "buy spam now")).Code);
            Assert.Equal(0u, (await a.ChatAsync(bob, "for the tool")).Code);
            Assert.Equal(0u, (await a.ChatAsync(bob, "darn it")).Code);
            await using (var b = await server.LoginAsync("ws", bob))
            {
                var texts = (await b.SyncAsync(seq: 0)).Frames.Select(f => f.As(OrleansIm.Protocol.Messages.Chat.Parser).Text).ToList();
                Assert.Equal(["for the tool", "**** it"], texts);
            }

            Assert.Contains(lines, l => l.StartsWith("# moderation", StringComparison.Ordinal) && l.Contains("\"reject\"", StringComparison.Ordinal));

            await Until(() => lines.Count(l => l.StartsWith('{') && l.Contains("\"message.offline\"", StringComparison.Ordinal)) == 2, lines);
            Assert.Contains(lines, l => l.StartsWith("# POST 1: answering 503", StringComparison.Ordinal));
            using var printed = JsonDocument.Parse(lines.First(l => l.StartsWith('{') && l.Contains("\"message.offline\"", StringComparison.Ordinal)));
            Assert.Equal((bob, "for the tool"), (printed.RootElement.GetProperty("uid").GetUInt64(), printed.RootElement.GetProperty("preview").GetString()));

            // A POST with a wrong signature is refused.
            using var http = new HttpClient();
            using var forged = new StringContent("{\"events\":[]}", System.Text.Encoding.UTF8, "application/json");
            forged.Headers.Add("X-OrleansIm-Timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString());
            forged.Headers.Add("X-OrleansIm-Signature", "v1=00");
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.PostAsync($"http://127.0.0.1:{port}/", forged)).StatusCode);
        }
        finally
        {
            tool.Kill(entireProcessTree: true);
            await tool.WaitForExitAsync();
        }
    }

    private static async Task Until(Func<bool> condition, IEnumerable<string> output)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the tool printed: " + string.Join('\n', output));
            }

            await Task.Delay(50);
        }
    }
}
