using System.Net.Http.Headers;
using System.Text.Json;
using OrleansIm.Gateway.Auth;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

/// <summary>The node directory drops a node that stops reporting, on a fake clock the test moves.</summary>
public sealed class NodeExpiryTests
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_node_that_stops_reporting_is_dropped_while_reporting_ones_stay()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var server = await ImServer.StartAsync(clock: clock, settings: new Dictionary<string, string?>
        {
            ["Nodes:Expiry"] = Expiry.ToString(),
            ["Gateway:ReportInterval"] = "00:00:05",
        });
        var nodeUid = Ids.Next();
        await using var node = await server.ConnectAsync("tcp");
        Assert.Equal(0u, (await node.LoginAsync(nodeUid, server.Token(nodeUid, role: Roles.Node))).Code);
        Assert.Equal(0u, (await node.RequestAsync(Cmd.LsndUsrNum, new LsndUsrNum { Nid = 4242, UsrNum = 3 })).As(LsndUsrNumAck.Parser).Code);

        using var http = new HttpClient { BaseAddress = server.HttpUri, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token(1, role: Roles.Admin));
        async Task<uint[]> Nids() => JsonDocument.Parse(await http.GetStringAsync("/api/nodes")).RootElement.EnumerateArray().Select(n => n.GetProperty("nid").GetUInt32()).ToArray();

        // Just inside the expiry the silent node is still listed, whatever the machine's speed.
        clock.Advance(Expiry - TimeSpan.FromSeconds(1));
        Assert.Contains(4242u, await Nids());

        // Past it, it is gone; the server's own node reported on its timer meanwhile (its report lands a moment after
        // the timer fires) and stays.
        clock.Advance(TimeSpan.FromSeconds(6));
        await Transports.EventuallyAsync(async () => await Nids() is var nids && !nids.Contains(4242u) && nids.Contains(server.Nid), "the silent node to be dropped and this one listed");
    }
}
