using System.Net.WebSockets;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using OrleansIm.Tests.Protocol;

namespace OrleansIm.Tests.Gateway;

/// <summary>The WebSocket-only rules: binary only, whole frames per message, one frame per server message.</summary>
[Collection(EmbeddedServerCollection.Name)]
public sealed class WebSocketTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [Fact]
    public async Task A_message_with_several_frames_is_accepted_and_each_reply_is_its_own_message()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(Server.WebSocketUri, Timeout());
        var batch = FrameWriter.Encode(Cmd.Ping, 1, 0, 0, 1, null).Concat(FrameWriter.Encode(Cmd.Ping, 1, 0, 0, 2, null)).ToArray();
        await socket.SendAsync(batch, WebSocketMessageType.Binary, endOfMessage: true, Timeout());

        for (ulong serial = 1; serial <= 2; serial++)
        {
            var buffer = new byte[256];
            var received = await socket.ReceiveAsync(buffer, Timeout());
            Assert.True(received.EndOfMessage);
            Assert.Equal(WebSocketMessageType.Binary, received.MessageType);
            Assert.Equal(FrameHeader.Size, received.Count);
            var header = FrameHeader.Read(buffer, out _);
            Assert.Equal((Cmd.Pong, serial), (header.Type, header.Serial));
        }
    }

    [Fact]
    public async Task A_message_ending_inside_a_frame_gets_20010_and_a_close()
    {
        await using var client = await Server.ConnectAsync("ws");
        var ping = FrameWriter.Encode(Cmd.Ping, 1, 0, 0, 1, null);
        await client.SendRawAsync(ping.Concat(ping[..20]).ToArray());
        var except = await client.ReceiveAsync(Cmd.Except);
        Assert.Equal(ResultCode.InvalidHeader, except.As(Except.Parser).Code);
        await client.AssertClosedAsync();
    }

    [Fact]
    public async Task A_message_holding_part_of_a_header_gets_20010()
    {
        // A frame may not continue in the next message, so the first part is already an error.
        await using var client = await Server.ConnectAsync("ws");
        var frame = FrameWriter.Encode(Cmd.Sub, 1, 0, 0, 1, new Sub { Sub_ = Cmd.OnlineNtc });
        await client.SendRawAsync(frame[..10]);
        await client.ExpectExceptAsync(ResultCode.InvalidHeader);
        await client.AssertClosedAsync();
    }

    [Fact]
    public async Task A_text_message_is_rejected_and_the_connection_closes()
    {
        await using var client = await Server.ConnectAsync("ws");
        await client.SendTextAsync("{\"cmd\":\"ONLINE\"}");
        await client.ExpectExceptAsync(ResultCode.IllegalRequest);
        await client.AssertClosedAsync();
    }

    [Fact]
    public async Task A_plain_http_request_to_the_socket_path_is_a_bad_request()
    {
        using var http = new HttpClient { BaseAddress = Server.HttpUri };
        var response = await http.GetAsync("/im", Timeout());
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;
}
