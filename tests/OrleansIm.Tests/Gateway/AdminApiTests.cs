using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansIm.Client;
using OrleansIm.Gateway.Auth;
using OrleansIm.Gateway.Http;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

[Collection(EmbeddedServerCollection.Name)]
public sealed class AdminApiTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    public static TheoryData<string, string> AdminPaths => new()
    {
        { "POST", "/api/push/broadcast" },
        { "POST", "/api/push/users/5" },
        { "POST", "/api/users/5/kick" },
        { "GET", "/api/users/5/export" },
        { "POST", "/api/users/5/erase" },
        { "POST", "/api/rooms" },
        { "PUT", "/api/rooms/5/bans/6" },
        { "DELETE", "/api/rooms/5/bans/6" },
        { "POST", "/api/rooms/5/broadcast" },
        { "PUT", "/api/rooms/5/managers/6" },
        { "DELETE", "/api/rooms/5/managers/6" },
        { "GET", "/api/groups/5/members" },
        { "GET", "/api/stats" },
        { "GET", "/api/nodes" },
    };

    [Theory]
    [MemberData(nameof(AdminPaths))]
    public async Task Admin_endpoints_refuse_a_missing_and_a_non_admin_token(string method, string path)
    {
        using var http = Http();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Request(method, path, null))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Request(method, path, "not-a-token"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(Request(method, path, Server.Token(1, role: Roles.User)))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(Request(method, path, Server.Token(1, role: Roles.Node)))).StatusCode);
    }

    [Fact]
    public async Task A_broadcast_reaches_sessions_on_both_transports_unchanged()
    {
        await using var tcp = await Server.LoginAsync("tcp", Ids.Next());
        await using var ws = await Server.LoginAsync("ws", Ids.Next());
        byte[] payload = [0, 1, 2, 0xFE, 0xFF, .. Encoding.UTF8.GetBytes("系统通知")];

        using var http = Http();
        var response = await http.SendAsync(Request("POST", "/api/push/broadcast", AdminToken(), new ByteArrayContent(payload)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        foreach (var client in new[] { tcp, ws })
        {
            var frame = await client.ReceiveAsync(Cmd.Bc);
            Assert.Equal(payload, frame.Body);
            Assert.Equal(client.Sid, frame.Header.Sid);
            await client.SendAsync(Cmd.BcAck, null, serial: 1);
            await client.AssertAliveAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_p2p_push_reaches_an_offline_user_through_sync_and_an_online_one_at_once(string transport)
    {
        var uid = Ids.Next();
        using var http = Http();
        var stored = await http.SendAsync(Request("POST", $"/api/push/users/{uid}", AdminToken(), new ByteArrayContent([9, 8, 7])));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal(1UL, (await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("seq").GetUInt64());

        await using var client = await Server.LoginAsync(transport, uid);
        var (ack, frames) = await client.SyncAsync();
        var p2p = Assert.Single(frames);
        Assert.Equal((Cmd.P2P, 1UL), (p2p.Type, p2p.Header.Serial));
        Assert.Equal([9, 8, 7], p2p.Body);

        await http.SendAsync(Request("POST", $"/api/push/users/{uid}", AdminToken(), new ByteArrayContent([1])));
        var live = await client.ReceiveAsync(Cmd.P2P);
        Assert.Equal((2UL, (byte)1), (live.Header.Serial, live.Body[0]));

        // P2P-ACK moves the cursor: a SYNC without a seq then replays nothing.
        await client.SendAsync(Cmd.P2PAck, null, serial: 2);
        await Transports.EventuallyAsync(async () => (await client.SyncAsync()).Frames.Count == 0, "the cursor to pass seq 2");
    }

    [Fact]
    public async Task Kicking_a_user_closes_every_session_of_that_user()
    {
        var uid = Ids.Next();
        await using var first = await Server.LoginAsync("tcp", uid);
        await using var second = await Server.LoginAsync("ws", uid);
        using var http = Http();
        var response = await http.SendAsync(Request("POST", $"/api/users/{uid}/kick", AdminToken()));
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessions").GetInt32());
        foreach (var session in new[] { first, second })
        {
            Assert.Equal(OrleansIm.Gateway.Http.AdminEndpoints.AdminKickCode, (await session.ReceiveAsync(Cmd.Kick)).As(Kick.Parser).Code);
            await session.AssertClosedAsync();
        }
    }

    [Fact]
    public async Task Rooms_can_be_created_banned_unbanned_and_broadcast_to()
    {
        var (ownerUid, userUid) = (Ids.Next(), Ids.Next());
        using var http = Http();
        var created = await http.SendAsync(Request("POST", "/api/rooms", AdminToken(), JsonContent.Create(new { owner = ownerUid, name = "stage", desc = "" })));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rid = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rid").GetUInt64();

        await using var user = await Server.LoginAsync("ws", userUid);
        Assert.Equal(0u, (await user.JoinRoomAsync(rid)).Code);
        var bc = await http.SendAsync(Request("POST", $"/api/rooms/{rid}/broadcast?expire=30", AdminToken(), new ByteArrayContent([42])));
        Assert.Equal(HttpStatusCode.Accepted, bc.StatusCode);
        Assert.Equal(42, (await user.ReceiveAsync(Cmd.RoomBc)).As(RoomBc.Parser).Data[0]);

        Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(Request("PUT", $"/api/rooms/{rid}/bans/{userUid}", AdminToken()))).StatusCode);
        Assert.Equal(userUid, (await user.ReceiveAsync(Cmd.RoomKick)).As(RoomKick.Parser).Uid);
        Assert.Equal(ResultCode.Banned, (await user.JoinRoomAsync(rid)).Code);
        Assert.Equal(HttpStatusCode.Conflict, (await http.SendAsync(Request("PUT", $"/api/rooms/{rid}/bans/{userUid}", AdminToken()))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(Request("DELETE", $"/api/rooms/{rid}/bans/{userUid}", AdminToken()))).StatusCode);
        Assert.Equal(0u, (await user.JoinRoomAsync(rid)).Code);

        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(Request("POST", $"/api/rooms/{rid + 1_000_000}/broadcast", AdminToken(), new ByteArrayContent([1])))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await http.SendAsync(Request("POST", "/api/rooms", AdminToken(), JsonContent.Create(new { owner = ownerUid, rid, name = "again" })))).StatusCode);
    }

    [Fact]
    public async Task Group_members_and_stats_can_be_inspected()
    {
        await using var owner = await Server.LoginAsync("tcp", Ids.Next());
        var gid = await owner.CreateGroupAsync();
        var member = Ids.Next();
        Assert.Equal(0u, await owner.InviteAsync(gid, member));

        using var http = Http();
        var members = await (await http.SendAsync(Request("GET", $"/api/groups/{gid}/members", AdminToken()))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, members.GetProperty("total").GetInt32());
        var roles = members.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("uid").GetUInt64(), m => m.GetProperty("role").GetString());
        Assert.Equal("owner", roles[owner.Uid]);
        Assert.Equal("member", roles[member]);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(Request("GET", $"/api/groups/{gid + 1_000_000}/members", AdminToken()))).StatusCode);

        var stats = await (await http.SendAsync(Request("GET", "/api/stats", AdminToken()))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(stats.GetProperty("sessions").GetInt32() >= 1);
        var node = Assert.Single(stats.GetProperty("nodes").EnumerateArray());
        Assert.Equal(Server.Nid, node.GetProperty("nid").GetUInt32());
    }

    [Fact]
    public async Task Node_reports_are_refused_from_user_tokens_and_listed_from_node_tokens()
    {
        var (quiet, busy) = ((uint)Ids.Next() % 1_000_000 + 1_000_000, (uint)Ids.Next() % 1_000_000 + 2_000_000);
        await using var user = await Server.LoginAsync("tcp", Ids.Next());
        var refused = await user.RequestAsync(Cmd.LsndInfo, new LsndInfo { Type = 1, Nid = quiet, Nation = "DE", Name = "x", Ipaddr = "10.0.0.1", Port = 1 });
        Assert.Equal(ResultCode.IllegalRequest, refused.As(LsndInfoAck.Parser).Code);

        var nodeUid = Ids.Next();
        await using var node = await Server.ConnectAsync("ws");
        Assert.Equal(0u, (await node.LoginAsync(nodeUid, Server.Token(nodeUid, role: Roles.Node))).Code);
        foreach (var (nid, users, port) in new[] { (busy, 1_000_000u, 7002u), (quiet, 0u, 7001u) })
        {
            Assert.Equal(0u, (await node.RequestAsync(Cmd.LsndInfo, new LsndInfo { Type = 1, Nid = nid, Nation = "NL", Name = "carrier", Ipaddr = "10.1.2.3", Port = port })).As(LsndInfoAck.Parser).Code);
            Assert.Equal(0u, (await node.RequestAsync(Cmd.LsndUsrNum, new LsndUsrNum { Nid = nid, UsrNum = users })).As(LsndUsrNumAck.Parser).Code);
        }

        Assert.Equal(0u, (await node.RequestAsync(Cmd.FrwdInfo, new FrwdInfo { Nid = quiet, Ipaddr = "10.9.9.9", ForwardPort = 81, BackendPort = 82 })).As(FrwdInfoAck.Parser).Code);

        using var http = Http();
        var nodes = await (await http.SendAsync(Request("GET", "/api/nodes", AdminToken()))).Content.ReadFromJsonAsync<JsonElement>();
        var byNid = nodes.EnumerateArray().ToDictionary(n => n.GetProperty("nid").GetUInt32());
        Assert.Contains(Server.Nid, byNid.Keys);
        Assert.Equal("10.9.9.9", byNid[quiet].GetProperty("forward").GetProperty("address").GetString());
        Assert.Equal(1_000_000u, byNid[busy].GetProperty("users").GetUInt32());

        // The gateway asks the node directory at most once a second.
        string[] tcpList = [];
        await Transports.EventuallyAsync(async () =>
        {
            tcpList = (await http.GetFromJsonAsync<string[]>("/api/iplist?type=tcp"))!;
            return tcpList.Contains("10.1.2.3:7001") && tcpList.Contains("10.1.2.3:7002");
        }, "both reported nodes in /api/iplist", TimeSpan.FromSeconds(10));
        Assert.Contains($"127.0.0.1:{Server.TcpPort}", tcpList);

        // The idle node comes before the one with a million sessions nearly always (the chance of the other order is
        // about 1 in 10,000 per answer).
        int quietFirst = 0;
        for (int i = 0; i < 40; i++)
        {
            tcpList = (await http.GetFromJsonAsync<string[]>("/api/iplist?type=tcp"))!;
            quietFirst += Array.IndexOf(tcpList, "10.1.2.3:7001") < Array.IndexOf(tcpList, "10.1.2.3:7002") ? 1 : 0;
        }

        Assert.InRange(quietFirst, 38, 40);
        var wsList = await http.GetFromJsonAsync<string[]>("/api/iplist?type=ws");
        Assert.Contains($"127.0.0.1:{Server.HttpPort}", wsList!);
        Assert.DoesNotContain("10.1.2.3:7001", wsList!);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/iplist?type=udp")).StatusCode);
    }

    [Fact]
    public async Task The_gateway_list_spreads_clients_over_equally_loaded_nodes()
    {
        var (first, second) = ((uint)Ids.Next() % 1_000_000 + 3_000_000, (uint)Ids.Next() % 1_000_000 + 4_000_000);
        var nodeUid = Ids.Next();
        await using var node = await Server.ConnectAsync("tcp");
        Assert.Equal(0u, (await node.LoginAsync(nodeUid, Server.Token(nodeUid, role: Roles.Node))).Code);
        foreach (var (nid, port) in new[] { (first, 7101u), (second, 7102u) })
        {
            Assert.Equal(0u, (await node.RequestAsync(Cmd.LsndInfo, new LsndInfo { Type = 1, Nid = nid, Nation = "NL", Name = "carrier", Ipaddr = "10.1.2.4", Port = port })).As(LsndInfoAck.Parser).Code);
            Assert.Equal(0u, (await node.RequestAsync(Cmd.LsndUsrNum, new LsndUsrNum { Nid = nid, UsrNum = 5000 })).As(LsndUsrNumAck.Parser).Code);
        }

        using var http = Http();
        await Transports.EventuallyAsync(async () =>
        {
            var list = (await http.GetFromJsonAsync<string[]>("/api/iplist?type=tcp"))!;
            return list.Contains("10.1.2.4:7101") && list.Contains("10.1.2.4:7102");
        }, "both reported nodes in /api/iplist", TimeSpan.FromSeconds(10));

        // A strict least-loaded order would give every client the same one; each should come first about half the time
        // (200 answers: 100 expected, the bounds are more than five standard deviations away).
        int firstAhead = 0;
        for (int i = 0; i < 200; i++)
        {
            var list = (await http.GetFromJsonAsync<string[]>("/api/iplist?type=tcp"))!;
            firstAhead += Array.IndexOf(list, "10.1.2.4:7101") < Array.IndexOf(list, "10.1.2.4:7102") ? 1 : 0;
        }

        Assert.InRange(firstAhead, 60, 140);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_api_and_the_server_is_ready()
    {
        using var http = Http();
        var openApi = await http.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/api/push/broadcast", "/api/push/users/{uid}", "/api/users/{uid}/kick", "/api/rooms", "/api/stats", "/api/nodes", "/api/iplist", "/api/tokens" })
        {
            Assert.Contains($"\"{path}\"", openApi);
        }

        Assert.Equal("Healthy", await http.GetStringAsync("/readyz"));
    }

    private string AdminToken() => Server.Token(1, role: Roles.Admin);

    private HttpClient Http() => new() { BaseAddress = Server.HttpUri, Timeout = TimeSpan.FromSeconds(10) };

    private static HttpRequestMessage Request(string method, string path, string? bearer, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content ?? new ByteArrayContent([]) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return request;
    }
}
