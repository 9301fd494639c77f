using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using OrleansIm.Tests.Protocol;

namespace OrleansIm.Tests.Gateway;

/// <summary>Malformed and misplaced frames, over both transports.</summary>
[Collection(EmbeddedServerCollection.Name)]
public sealed class FramingTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_command_before_login_gets_10012_and_a_close(string transport)
    {
        await using var client = await Server.ConnectAsync(transport);
        await client.SendAsync(Cmd.Sub, new Sub { Sub_ = Cmd.OnlineNtc }, serial: 5);
        var except = await client.ExpectExceptAsync(ResultCode.IllegalRequest);
        Assert.Equal(Cmd.Sub, except.Cmd);
        Assert.Equal(5UL, except.Serial);
        await client.AssertClosedAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Ping_is_allowed_before_login(string transport)
    {
        await using var client = await Server.ConnectAsync(transport);
        var pong = await client.RequestAsync(Cmd.Ping, null, serial: 9);
        Assert.Equal(Cmd.Pong, pong.Type);
        Assert.Equal(9UL, pong.Header.Serial);
        var uid = Ids.Next();
        Assert.Equal(0u, (await client.LoginAsync(uid, Server.Token(uid))).Code);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task An_online_missing_a_required_field_gets_20005(string transport)
    {
        var uid = Ids.Next();
        await using var client = await Server.ConnectAsync(transport);
        await client.SendAsync(Cmd.Online, new Online { Uid = uid, Sid = 0, App = "a", Version = "1" }, serial: 3);
        var except = await client.ExpectExceptAsync(ResultCode.BadBody);
        Assert.Equal(Cmd.Online, except.Cmd);
        Assert.Equal(3UL, except.Serial);
        Assert.Equal(0u, (await client.LoginAsync(uid, Server.Token(uid))).Code);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task An_unparseable_body_gets_20005_and_the_connection_stays(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        await client.SendRawAsync(FrameWriter.EncodeRaw(Cmd.Sub, 1, 0, 0, 11, [0x0A, 0xFF, 0xFF]));
        var except = await client.ExpectExceptAsync(ResultCode.BadBody);
        Assert.Equal(11UL, except.Serial);
        await client.AssertAliveAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task An_unknown_command_gets_10012_with_cmd_and_serial_and_the_connection_stays(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        await client.SendAsync(0x0999, null, serial: 1234);
        var except = await client.ExpectExceptAsync(ResultCode.IllegalRequest);
        Assert.Equal(0x0999u, except.Cmd);
        Assert.Equal(1234UL, except.Serial);
        await client.AssertAliveAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_server_only_command_from_a_client_gets_10012(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        await client.SendAsync(Cmd.Kick, new Kick { Code = 0, Errmsg = "x" }, serial: 8);
        Assert.Equal(Cmd.Kick, (await client.ExpectExceptAsync(ResultCode.IllegalRequest)).Cmd);
        await client.AssertAliveAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_bad_checksum_gets_20010_and_a_close(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        var frame = FrameWriter.Encode(Cmd.Ping, 1, 0, 0, 21, null);
        frame[12] = 0;
        await client.SendRawAsync(frame);
        var except = await client.ExpectExceptAsync(ResultCode.InvalidHeader);
        Assert.Equal(21UL, except.Serial);
        await client.AssertClosedAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_frame_over_the_length_limit_gets_10018_before_its_body_is_sent(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        // Only the header goes out: the answer must not wait for the 64 KiB + 1 body.
        await client.SendRawAsync(HandEncoder.Header(Cmd.Chat, 1, 64 * 1024 + 1, 0, 0, 31));
        var except = await client.ExpectExceptAsync(ResultCode.FrameTooLong);
        Assert.Equal(Cmd.Chat, except.Cmd);
        await client.AssertClosedAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Except_ack_and_kick_ack_are_accepted_silently(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        await client.SendAsync(Cmd.ExceptAck, null, serial: 1);
        await client.SendAsync(Cmd.KickAck, null, serial: 2);
        var pong = await client.RequestAsync(Cmd.Ping, null, serial: 3);
        Assert.Equal(Cmd.Pong, pong.Type);
        await client.AssertNothingSentAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Frames_split_across_many_writes_are_reassembled(string transport)
    {
        if (transport == "ws")
        {
            return; // A WebSocket message must hold whole frames; splitting is covered by WebSocketTests.
        }

        var uid = Ids.Next();
        await using var client = await Server.ConnectAsync(transport);
        var online = FrameWriter.Encode(Cmd.Online, 1, 0, 0, 4, new Online { Uid = uid, Sid = 0, Token = Server.Token(uid), App = "a", Version = "1" });
        var ping = FrameWriter.Encode(Cmd.Ping, 1, 0, 0, 5, null);
        var stream = online.Concat(ping).ToArray();
        foreach (var b in stream)
        {
            await client.SendRawAsync(new[] { b });
        }

        Assert.Equal(Cmd.OnlineAck, (await client.ReceiveAsync()).Type);
        var pong = await client.ReceiveAsync();
        Assert.Equal(Cmd.Pong, pong.Type);
        Assert.Equal(5UL, pong.Header.Serial);
    }
}
