using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

[Collection(EmbeddedServerCollection.Name)]
public sealed class SubscriptionTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Every_optional_push_class_can_be_subscribed_and_unsubscribed(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        foreach (var pushClass in new[] { Cmd.OnlineNtc, Cmd.OfflineNtc, Cmd.RoomUsrNum, Cmd.RoomJoinNtc, Cmd.RoomQuitNtc })
        {
            var sub = (await client.RequestAsync(Cmd.Sub, new Sub { Sub_ = pushClass })).As(SubAck.Parser);
            Assert.Equal((pushClass, 0u, "ok"), (sub.Sub, sub.Code, sub.Errmsg));
            var unsub = (await client.RequestAsync(Cmd.Unsub, new Unsub { Sub = pushClass })).As(UnsubAck.Parser);
            Assert.Equal((pushClass, 0u), (unsub.Sub, unsub.Code));
        }
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Any_other_class_or_none_gets_20007(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        Assert.Equal(ResultCode.InvalidParameter, (await client.RequestAsync(Cmd.Sub, new Sub { Sub_ = Cmd.Chat })).As(SubAck.Parser).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await client.RequestAsync(Cmd.Sub, new Sub())).As(SubAck.Parser).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await client.RequestAsync(Cmd.Unsub, new Unsub { Sub = Cmd.RoomKickNtc })).As(UnsubAck.Parser).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await client.RequestAsync(Cmd.Sub, new Sub { Sub_ = Cmd.RoomKickNtc })).As(SubAck.Parser).Code);
    }
}
