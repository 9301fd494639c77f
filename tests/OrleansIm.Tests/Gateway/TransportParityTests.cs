using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

[Collection(EmbeddedServerCollection.Name)]
public sealed class TransportParityTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [Fact]
    public async Task Identical_frames_over_tcp_and_websocket_get_identical_replies()
    {
        var uid = Ids.Next();
        var sid = Ids.Next();
        var token = Server.Token(uid);
        var frames = new List<byte[]>
        {
            FrameWriter.Encode(Cmd.Ping, 1, 0, 0, 1, null),
            FrameWriter.Encode(Cmd.Online, 1, 0, 0, 2, new Online { Uid = uid, Sid = sid, Token = token, App = "parity", Version = "1", Terminal = 1 }),
            FrameWriter.Encode(Cmd.Sub, 1, 0, 0, 3, new Sub { Sub_ = Cmd.OnlineNtc }),
            FrameWriter.Encode(Cmd.Sub, 1, 0, 0, 4, new Sub { Sub_ = 0x0777 }),
            FrameWriter.Encode(Cmd.Unsub, 1, 0, 0, 5, new Unsub { Sub = Cmd.OnlineNtc }),
            FrameWriter.Encode(0x0888, 1, 0, 0, 6, null),
            FrameWriter.EncodeRaw(Cmd.Unsub, 1, 0, 0, 7, [0x08]),
            FrameWriter.Encode(Cmd.Online, 1, 0, 0, 8, new Online { Uid = uid, Sid = sid, Token = token, App = "parity", Version = "1" }),
            FrameWriter.Encode(Cmd.Offline, 1, 0, 0, 9, null),
        };

        var overTcp = await RunAsync("tcp", frames);
        var overWs = await RunAsync("ws", frames);

        Assert.Equal(frames.Count, overTcp.Count);
        Assert.Equal(overTcp.Select(Describe), overWs.Select(Describe));
    }

    private async Task<List<ReceivedFrame>> RunAsync(string transport, List<byte[]> frames)
    {
        await using var client = await Server.ConnectAsync(transport);
        var replies = new List<ReceivedFrame>();
        foreach (var frame in frames)
        {
            await client.SendRawAsync(frame);
            replies.Add(await client.ReceiveAsync());
        }

        await client.AssertClosedAsync();
        return replies;
    }

    private static string Describe(ReceivedFrame frame) =>
        $"{frame.Header} {Convert.ToHexString(frame.Body)}";
}
