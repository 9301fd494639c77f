using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

[Collection(EmbeddedServerCollection.Name)]
public sealed class LoginTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Login_allocates_a_sid_and_answers_with_the_ext_fields(string transport)
    {
        var uid = Ids.Next();
        await using var client = await Server.ConnectAsync(transport);
        var frame = await client.RequestAsync(Cmd.Online, new Online { Uid = uid, Sid = 0, Token = Server.Token(uid), App = "app", Version = "2.1", Terminal = 3 }, serial: 77);

        Assert.Equal(Cmd.OnlineAck, frame.Type);
        var ack = frame.As(OnlineAck.Parser);
        Assert.Equal(0u, ack.Code);
        Assert.Equal("ok", ack.Errmsg);
        Assert.Equal(uid, ack.Uid);
        Assert.True(ack.Sid >= IdKinds.FirstId(IdKinds.Sid), $"allocated sid {ack.Sid}");
        Assert.Equal("app", ack.App);
        Assert.Equal("2.1", ack.Version);
        Assert.Equal(3u, ack.Terminal);
        Assert.Equal(30u, ack.Heartbeat);
        Assert.True(ack.HasSeq);
        Assert.Equal(77UL, frame.Header.Serial);
        Assert.Equal(FrameHeader.FlagSystem, frame.Header.Flag);
        Assert.Equal(ack.Sid, frame.Header.Sid);
        Assert.Equal(Server.Nid, frame.Header.Nid);

        var sessions = await Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)uid).GetSessions();
        Assert.Equal(ack.Sid, Assert.Single(sessions).Sid);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Two_logins_with_sid_zero_get_different_sids(string transport)
    {
        var uid = Ids.Next();
        await using var first = await Server.LoginAsync(transport, uid);
        await using var second = await Server.LoginAsync(transport, uid);
        Assert.NotEqual(first.Sid, second.Sid);
        await first.AssertAliveAsync();
        await second.AssertAliveAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Login_keeps_a_sid_the_client_names(string transport)
    {
        var uid = Ids.Next();
        var sid = Ids.Next();
        await using var client = await Server.LoginAsync(transport, uid, sid);
        Assert.Equal(sid, client.Sid);
    }

    public static TheoryData<string, string> BadTokens => new()
    {
        { "tcp", "garbage" }, { "ws", "garbage" },
        { "tcp", "expired" }, { "ws", "expired" },
        { "tcp", "other-key" }, { "ws", "other-key" },
        { "tcp", "other-user" }, { "ws", "other-user" },
        { "tcp", "empty" }, { "ws", "empty" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_bad_token_gets_20001_and_the_connection_closes(string transport, string kind)
    {
        var uid = Ids.Next();
        var token = kind switch
        {
            "garbage" => "not.a.jwt",
            "expired" => Server.Token(uid, lifetime: TimeSpan.FromHours(-1)),
            "other-key" => OtherKeyToken(uid),
            "other-user" => Server.Token(uid + 1),
            _ => "",
        };

        await using var client = await Server.ConnectAsync(transport);
        var ack = await client.LoginAsync(uid, token);
        Assert.Equal(ResultCode.LoginFailed, ack.Code);
        await client.AssertClosedAsync();
        var sessions = await Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)uid).GetSessions();
        Assert.Empty(sessions);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_token_bound_to_a_sid_decides_the_sid(string transport)
    {
        var uid = Ids.Next();
        var bound = Ids.Next();

        await using var mismatched = await Server.ConnectAsync(transport);
        Assert.Equal(ResultCode.LoginFailed, (await mismatched.LoginAsync(uid, Server.Token(uid, bound), bound + 1)).Code);
        await mismatched.AssertClosedAsync();

        await using var unnamed = await Server.ConnectAsync(transport);
        var ack = await unnamed.LoginAsync(uid, Server.Token(uid, bound), 0);
        Assert.Equal(0u, ack.Code);
        Assert.Equal(bound, ack.Sid);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Another_users_sid_cannot_be_taken(string transport)
    {
        var owner = Ids.Next();
        var intruder = Ids.Next();
        var sid = Ids.Next();
        await using var victim = await Server.LoginAsync(transport, owner, sid);

        await using var attacker = await Server.ConnectAsync(transport);
        var ack = await attacker.LoginAsync(intruder, Server.Token(intruder), sid);
        Assert.Equal(ResultCode.LoginFailed, ack.Code);
        await attacker.AssertClosedAsync();
        await victim.AssertAliveAsync();
    }

    [Theory]
    [InlineData("tcp", "ws")]
    [InlineData("ws", "tcp")]
    [InlineData("tcp", "tcp")]
    public async Task The_same_sid_logging_in_again_kicks_the_older_connection_with_20009(string olderTransport, string newerTransport)
    {
        var uid = Ids.Next();
        var sid = Ids.Next();
        await using var older = await Server.LoginAsync(olderTransport, uid, sid);
        await using var newer = await Server.LoginAsync(newerTransport, uid, sid);

        var kick = await older.ReceiveAsync(Cmd.Kick);
        Assert.Equal(ResultCode.SessionConflict, kick.As(Kick.Parser).Code);
        Assert.Equal(sid, kick.Header.Sid);
        await older.AssertClosedAsync();
        await newer.AssertAliveAsync();

        var grain = Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)uid);
        var session = Assert.Single(await grain.GetSessions());
        Assert.Equal(sid, session.Sid);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_second_online_on_a_logged_in_connection_is_refused_and_changes_nothing(string transport)
    {
        var uid = Ids.Next();
        await using var client = await Server.LoginAsync(transport, uid);
        var sid = client.Sid;
        var frame = await client.RequestAsync(Cmd.Online, new Online { Uid = uid + 1, Sid = 0, Token = Server.Token(uid + 1), App = "a", Version = "1" });
        Assert.Equal(ResultCode.IllegalRequest, frame.As(OnlineAck.Parser).Code);
        await client.AssertAliveAsync();
        var pong = await client.RequestAsync(Cmd.Ping, null);
        Assert.Equal(sid, pong.Header.Sid);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Offline_is_acknowledged_then_the_connection_closes_and_the_session_ends(string transport)
    {
        var uid = Ids.Next();
        await using var client = await Server.LoginAsync(transport, uid);
        var ack = await client.RequestAsync(Cmd.Offline, null);
        Assert.Equal(Cmd.OfflineAck, ack.Type);
        Assert.Empty(ack.Body);
        await client.AssertClosedAsync();

        var grain = Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)uid);
        await Transports.EventuallyAsync(async () => (await grain.GetSessions()).Count == 0, "the session to end");
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_dropped_connection_ends_its_session(string transport)
    {
        var uid = Ids.Next();
        var client = await Server.LoginAsync(transport, uid);
        await client.DisposeAsync();

        var grain = Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)uid);
        await Transports.EventuallyAsync(async () => (await grain.GetSessions()).Count == 0, "the session to end");
    }

    private static string OtherKeyToken(ulong uid)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new OrleansIm.Gateway.Auth.AuthOptions { SigningKey = new string('k', 48) });
        return new OrleansIm.Gateway.Auth.TokenService(options, TimeProvider.System).Create(uid, null, "user");
    }
}
