using System.Net.WebSockets;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using OrleansIm.Tests.Protocol;

namespace OrleansIm.Tests.Gateway;

/// <summary>
/// The WebSocket-only rules: binary only, whole frames per message, one frame per server message unless the client
/// chose the packed subprotocol.
/// </summary>
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
    public async Task Without_the_packed_subprotocol_a_burst_of_replies_comes_one_frame_per_message()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("something.else");
        await socket.ConnectAsync(Server.WebSocketUri, Timeout());
        Assert.True(string.IsNullOrEmpty(socket.SubProtocol));
        var (messages, frames) = await PingBurstAsync(socket, 200);
        Assert.Equal(200, messages);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (ulong)i), frames);
    }

    [Fact]
    public async Task With_the_packed_subprotocol_a_burst_of_replies_comes_in_fewer_messages_of_whole_frames_in_order()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("orleansim.packed");
        await socket.ConnectAsync(Server.WebSocketUri, Timeout());
        Assert.Equal("orleansim.packed", socket.SubProtocol);

        // 200 PINGs in one message are handled in one read; their PONGs queue faster than one write each.
        var (messages, frames) = await PingBurstAsync(socket, 200);
        Assert.InRange(messages, 1, 199);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (ulong)i), frames);
    }

    [Fact]
    public async Task A_packed_message_never_grows_past_64_KiB_and_a_frame_never_straddles_two()
    {
        var (uid, dest) = (Ids.Next(), Ids.Next());
        await using var sender = await Server.LoginAsync("tcp", uid);
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("orleansim.packed");
        await socket.ConnectAsync(Server.WebSocketUri, Timeout());
        await SendRawFrameAsync(socket, FrameWriter.Encode(Cmd.Online, FrameHeader.FlagUser, 0, 0, 1, new Online { Uid = dest, Sid = 0, Token = Server.Token(dest), App = "test", Version = "1", Terminal = 0 }));
        var login = await ReadMessageAsync(socket);
        var ack = SplitFrames(login)[0];
        Assert.Equal(Cmd.OnlineAck, ack.Type);
        Assert.Equal(ResultCode.Ok, OnlineAck.Parser.ParseFrom(login.AsSpan(FrameHeader.Size, (int)ack.Length)).Code);

        // 40 CHATs of 8,000 characters (320 KB) to a receiver on the packed WebSocket: each message it gets holds
        // whole frames and at most 64 KiB (a frame larger than that would go alone).
        var text = new string('x', 8_000);
        var acks = new List<Task<ReceivedFrame>>();
        for (ulong serial = 1; serial <= 40; serial++)
        {
            acks.Add(await sender.SendRequestAsync(Cmd.Chat, new Chat { Orig = uid, Dest = dest, Level = 1, Time = 1_700_000_000_000, Text = text }, serial, TimeSpan.FromSeconds(10)));
        }

        Assert.All(await Task.WhenAll(acks), ack => Assert.Equal(ResultCode.Ok, ack.As(ChatAck.Parser).Code));

        var seqs = new List<ulong>();
        while (seqs.Count < 40)
        {
            var message = await ReadMessageAsync(socket);
            var headers = SplitFrames(message);
            Assert.True(message.Length <= 64 * 1024 || headers.Count == 1, $"a message of {message.Length} bytes holds {headers.Count} frames");
            seqs.AddRange(headers.Where(h => h.Type == Cmd.Chat).Select(h => h.Serial));
        }

        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(40, seqs.Distinct().Count());
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

    /// <summary>Sends PINGs 1..count in one message and reads until every PONG came: (messages read, serials in order).</summary>
    private static async Task<(int Messages, List<ulong> Serials)> PingBurstAsync(ClientWebSocket socket, int count)
    {
        var burst = Enumerable.Range(1, count).SelectMany(i => FrameWriter.Encode(Cmd.Ping, 1, 0, 0, (ulong)i, null)).ToArray();
        await socket.SendAsync(burst, WebSocketMessageType.Binary, endOfMessage: true, Timeout());
        int messages = 0;
        var serials = new List<ulong>();
        while (serials.Count < count)
        {
            var message = await ReadMessageAsync(socket);
            messages++;
            var headers = SplitFrames(message);
            Assert.All(headers, h => Assert.Equal(Cmd.Pong, h.Type));
            serials.AddRange(headers.Select(h => h.Serial));
        }

        return (messages, serials);
    }

    private static async Task SendRawFrameAsync(ClientWebSocket socket, byte[] frame) =>
        await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, Timeout());

    /// <summary>One whole binary message.</summary>
    private static async Task<byte[]> ReadMessageAsync(ClientWebSocket socket)
    {
        var stream = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, Timeout());
            Assert.Equal(WebSocketMessageType.Binary, received.MessageType);
            stream.Write(buffer, 0, received.Count);
            if (received.EndOfMessage)
            {
                return stream.ToArray();
            }
        }
    }

    /// <summary>The headers of the frames a message holds; fails unless they fill it exactly.</summary>
    private static List<FrameHeader> SplitFrames(byte[] message)
    {
        var headers = new List<FrameHeader>();
        int offset = 0;
        while (offset < message.Length)
        {
            Assert.True(message.Length - offset >= FrameHeader.Size, "a frame's header is cut off at the end of a message");
            var header = FrameHeader.Read(message.AsSpan(offset), out _);
            offset += FrameHeader.Size + (int)header.Length;
            headers.Add(header);
        }

        Assert.Equal(message.Length, offset);
        return headers;
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;
}
