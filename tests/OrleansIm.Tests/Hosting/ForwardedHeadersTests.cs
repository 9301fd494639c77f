using System.Net.WebSockets;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Hosting;

/// <summary>Clients behind a reverse proxy: their forwarded address counts, but only when the proxy is trusted.</summary>
public sealed class ForwardedHeadersTests
{
    /// <summary>Connects with the header and sends ONLINE: EXCEPT first means refused, ONLINE-ACK 0 means admitted.</summary>
    private static async Task<(ClientWebSocket Socket, bool Refused)> ConnectAsync(ImServer server, string forwardedFor)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Forwarded-For", forwardedFor);
        await socket.ConnectAsync(server.WebSocketUri, CancellationToken.None);
        var uid = Ids.Next();
        var online = FrameWriter.Encode(Cmd.Online, FrameHeader.FlagUser, 0, 0, 1, new Online { Uid = uid, Sid = 0, Token = server.Token(uid), App = "t", Version = "1" });
        try
        {
            await socket.SendAsync(online, WebSocketMessageType.Binary, true, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // Refused and closed before the login went out; the EXCEPT is still readable below.
        }

        var buffer = new byte[4096];
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var result = await socket.ReceiveAsync(buffer, wait.Token);
        var header = FrameHeader.Read(buffer.AsSpan(0, FrameHeader.Size), out _);
        var body = buffer.AsSpan(FrameHeader.Size, (int)header.Length);
        if (header.Type == Cmd.Except)
        {
            Assert.Equal("too many connections from this address", Except.Parser.ParseFrom(body).Errmsg);
            return (socket, true);
        }

        Assert.Equal(Cmd.OnlineAck, header.Type);
        Assert.Equal(0u, OnlineAck.Parser.ParseFrom(body).Code);
        Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
        return (socket, false);
    }

    [Fact]
    public async Task A_trusted_proxys_forwarded_address_is_the_clients_address_for_the_limits()
    {
        await using var server = await ImServer.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:TrustedProxies:0"] = "127.0.0.0/8",
            ["Gateway:MaxConnectionsPerAddress"] = "1",
        });
        var (first, firstRefused) = await ConnectAsync(server, "203.0.113.7");
        var (second, secondRefused) = await ConnectAsync(server, "203.0.113.7");
        var (other, otherRefused) = await ConnectAsync(server, "203.0.113.8");
        Assert.False(firstRefused);
        Assert.True(secondRefused);
        Assert.False(otherRefused);
        foreach (var socket in new[] { first, second, other })
        {
            socket.Dispose();
        }
    }

    [Fact]
    public async Task Forwarded_headers_from_anyone_else_are_ignored()
    {
        await using var server = await ImServer.StartAsync(new Dictionary<string, string?> { ["Gateway:MaxConnectionsPerAddress"] = "1" });
        // No trusted proxy: the peer is 127.0.0.1 (exempt as loopback) whatever the header claims.
        var (first, firstRefused) = await ConnectAsync(server, "203.0.113.7");
        var (second, secondRefused) = await ConnectAsync(server, "203.0.113.7");
        Assert.False(firstRefused);
        Assert.False(secondRefused);
        first.Dispose();
        second.Dispose();
    }
}
