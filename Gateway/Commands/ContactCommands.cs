using Google.Protobuf;
using Microsoft.Extensions.Options;
using OrleansIm.Gateway.Pipeline;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Gateway.Commands;

/// <summary>
/// Contacts: FRIEND-ADD/DEL (relayed through the receiver's inbox), BLACKLIST-*, GAG-* and MARK-*. Friend
/// operations touch both users; the receiver is asked first, then the sender applies the outcome.
/// </summary>
public sealed class ContactCommands(IGrainRefs refs, IOptions<GatewayOptions> options) : ICommandModule
{
    private readonly GatewayOptions _options = options.Value;

    public void Register(CommandRouter router)
    {
        router.On<FriendAdd>(Cmd.FriendAdd, Cmd.FriendAddAck, static r => Lane.User(r.Dest), (_, code) => CodeAck<FriendAddAck>.Create(code), OnFriendAddAsync);
        router.On<FriendDel>(Cmd.FriendDel, Cmd.FriendDelAck, static r => Lane.User(r.Dest), (_, code) => CodeAck<FriendDelAck>.Create(code), OnFriendDelAsync);
        OnPair<BlacklistAdd, BlacklistAddAck>(router, Cmd.BlacklistAdd, r => (r.Orig, r.Dest), (u, r, sid) => u.SetBlacklisted(r.Dest, true, sid));
        OnPair<BlacklistDel, BlacklistDelAck>(router, Cmd.BlacklistDel, r => (r.Orig, r.Dest), (u, r, sid) => u.SetBlacklisted(r.Dest, false, sid));
        OnPair<GagAdd, GagAddAck>(router, Cmd.GagAdd, r => (r.Orig, r.Dest), (u, r, sid) => u.SetGagged(r.Dest, true, sid));
        OnPair<GagDel, GagDelAck>(router, Cmd.GagDel, r => (r.Orig, r.Dest), (u, r, sid) => u.SetGagged(r.Dest, false, sid));
        OnPair<MarkAdd, MarkAddAck>(router, Cmd.MarkAdd, r => (r.Orig, r.Dest),
            (u, r, sid) => TooLong(r.Mark) ? Task.FromResult(ResultCode.InvalidParameter) : u.SetMark(r.Dest, r.Mark, sid));
        OnPair<MarkDel, MarkDelAck>(router, Cmd.MarkDel, r => (r.Orig, r.Dest), (u, r, sid) => u.SetMark(r.Dest, null, sid));
    }

    private async ValueTask OnFriendAddAsync(ImConnection connection, FrameHeader header, FriendAdd request)
    {
        var code = Identity.CheckPair(connection, request.Orig, request.Dest);
        if (code == ResultCode.Ok && TooLong(request.Mark))
        {
            code = ResultCode.InvalidParameter;
        }

        if (code == ResultCode.Ok)
        {
            // The mark is the sender's private remark: the relayed frame leaves it out.
            var relay = new FriendAdd { Orig = request.Orig, Dest = request.Dest, Mark = "" }.ToByteArray();
            var outcome = await User(request.Dest).OnFriendRequest(request.Orig, relay);
            code = await User(request.Orig).ApplyFriendRequest(request.Dest, request.Mark, outcome, connection.Session!.Sid);
        }

        connection.Reply(header, Cmd.FriendAddAck, CodeAck<FriendAddAck>.Create(code));
    }

    private async ValueTask OnFriendDelAsync(ImConnection connection, FrameHeader header, FriendDel request)
    {
        var code = Identity.CheckPair(connection, request.Orig, request.Dest);
        if (code == ResultCode.Ok)
        {
            var senderHad = await User(request.Orig).RemoveFriend(request.Dest, connection.Session!.Sid);
            var receiverHad = await User(request.Dest).OnFriendDeleted(request.Orig, request.ToByteArray(), senderHad);
            code = senderHad || receiverHad ? ResultCode.Ok : ResultCode.NotFound;
        }

        connection.Reply(header, Cmd.FriendDelAck, CodeAck<FriendDelAck>.Create(code));
    }

    /// <summary>
    /// Registers a one-user change about another user (ACK command = request + 1): the identity checks, then the
    /// sender's grain decides the code.
    /// </summary>
    private void OnPair<TRequest, TAck>(CommandRouter router, uint cmd, Func<TRequest, (ulong Orig, ulong Dest)> ids, Func<IUserGrain, TRequest, ulong, Task<uint>> change)
        where TRequest : class, IMessage<TRequest>, new()
        where TAck : IMessage, new()
    {
        router.On<TRequest>(cmd, cmd + 1, r => Lane.User(ids(r).Dest), (_, code) => CodeAck<TAck>.Create(code), async (connection, header, request) =>
        {
            var (orig, dest) = ids(request);
            var code = Identity.CheckPair(connection, orig, dest);
            if (code == ResultCode.Ok)
            {
                code = await change(User(orig), request, connection.Session!.Sid);
            }

            connection.Reply(header, cmd + 1, CodeAck<TAck>.Create(code));
        });
    }

    private bool TooLong(string mark) => Identity.TooLong(mark, _options.MaxMarkBytes);

    private IUserGrain User(ulong uid) => refs.User(uid);
}
