using System.Net.Http.Headers;
using System.Text.Json;
using OrleansIm.Gateway.Auth;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

public sealed class NodeExpiryTests
{
    [Fact]
    public async Task A_node_that_stops_reporting_is_dropped_while_reporting_ones_stay()
    {
        await using var server = await ImServer.StartAsync(new Dictionary<string, string?>
        {
            ["Nodes:Expiry"] = "00:00:03", // long enough to see the node listed on a loaded machine
            ["Gateway:ReportInterval"] = "00:00:00.200",
        });
        var nodeUid = Ids.Next();
        await using var node = await server.ConnectAsync("tcp");
        Assert.Equal(0u, (await node.LoginAsync(nodeUid, server.Token(nodeUid, role: Roles.Node))).Code);
        Assert.Equal(0u, (await node.RequestAsync(Cmd.LsndUsrNum, new LsndUsrNum { Nid = 4242, UsrNum = 3 })).As(LsndUsrNumAck.Parser).Code);

        using var http = new HttpClient { BaseAddress = server.HttpUri, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token(1, role: Roles.Admin));
        async Task<uint[]> Nids() => JsonDocument.Parse(await http.GetStringAsync("/api/nodes")).RootElement.EnumerateArray().Select(n => n.GetProperty("nid").GetUInt32()).ToArray();

        Assert.Contains(4242u, await Nids());
        await Transports.EventuallyAsync(async () => !(await Nids()).Contains(4242u), "the silent node to expire");
        Assert.Contains(server.Nid, await Nids());
    }
}
