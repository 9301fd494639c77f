using System.Globalization;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

/// <summary>
/// The metrics of a silo running as its own process: test servers sharing one process would also share the
/// meter name, and their exporters would mix each other's series.
/// </summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_move_under_a_short_load()
    {
        await using var silo = await RunningSilo.StartAsync(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{silo.HttpPort}/"), Timeout = TimeSpan.FromSeconds(10) };

        var before = Count(await http.GetStringAsync("/metrics"), "im_frames_in_total", "command=\"PING\"");
        await using (var client = await silo.ConnectTcpAsync())
        {
            for (int i = 0; i < 30; i++)
            {
                await client.AssertAliveAsync();
            }

            var text = "";
            await Transports.EventuallyAsync(async () =>
            {
                text = await http.GetStringAsync("/metrics");
                return Count(text, "im_frames_in_total", "command=\"PING\"") >= before + 30
                    && Count(text, "im_frames_out_total", "command=\"PONG\"") >= 30
                    && Count(text, "im_connections", "transport=\"tcp\"") >= 1;
            }, () => "the counters to move:\n" + string.Join('\n', text.Split('\n').Where(l => l.StartsWith("im_", StringComparison.Ordinal))));

            Assert.Contains("im_request_duration", text);
            Assert.Contains("im_delivery_duration", text);
        }
    }

    private static double Count(string metrics, string name, string label) => metrics.Split('\n')
        .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(label))
        .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
}
