using Google.Protobuf;
using Microsoft.Extensions.Options;
using OrleansIm.Gateway.Auth;
using OrleansIm.Gateway.Moderation;
using OrleansIm.Gateway.Pipeline;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Gateway.Commands;

/// <summary>
/// Every ROOM-* request. Membership is per session: the room grain counts it and this node keeps the local table
/// the room's frames are written from (encoded once, written to each local session of the room or bucket).
/// </summary>
public sealed class RoomCommands(IGrainFactory grains, IGrainRefs refs, GatewayNode node, IOptions<GatewayOptions> options, Moderator moderator) : ICommandModule
{
    private readonly GatewayOptions _options = options.Value;

    public void Register(CommandRouter router)
    {
        router.On<RoomCreat>(Cmd.RoomCreat, Cmd.RoomCreatAck, static r => Lane.Room(r.Rid), (r, code) => CreatAck(r.Uid, r.Rid, code), OnCreateAsync);
        router.On<RoomDismiss>(Cmd.RoomDismiss, Cmd.RoomDismissAck, static r => Lane.Room(r.Rid), (_, code) => CodeAck<RoomDismissAck>.Create(code), OnDismissAsync);
        router.On<RoomJoin>(Cmd.RoomJoin, Cmd.RoomJoinAck, static r => Lane.Room(r.Rid), (r, code) => JoinAck(r.Uid, r.Rid, 0, code), OnJoinAsync);
        router.On<RoomQuit>(Cmd.RoomQuit, Cmd.RoomQuitAck, static r => Lane.Room(r.Rid), (r, code) => QuitAck(r.Uid, r.Rid, code), OnQuitAsync);
        router.On<RoomKick>(Cmd.RoomKick, Cmd.RoomKickAck, static r => Lane.Room(r.Rid), (r, code) => KickAck(r.Uid, r.Rid, code), OnKickAsync);
        router.OnOrdered<RoomChat>(Cmd.RoomChat, Cmd.RoomChatAck, static r => Lane.Room(r.Rid), (r, code) => ChatAck(r, 0, code), OnChatAsync);
        router.On<RoomBc>(Cmd.RoomBc, Cmd.RoomBcAck, static r => Lane.Room(r.Rid), (r, code) => BcAck(r.Rid, code), OnBroadcastAsync);
        router.On<RoomUsrNum>(Cmd.RoomUsrNum, Cmd.RoomUsrNumAck, static r => Lane.Room(r.Rid), (r, code) => NumAck(r.Rid, 0, code), OnCountAsync);
        router.On<RoomInfo>(Cmd.RoomInfo, Cmd.RoomInfoAck, static r => Lane.Room(r.Rid), (_, code) => CodeAck<RoomInfoAck>.Create(code), OnInfoAsync);
    }

    private async ValueTask OnCreateAsync(ImConnection connection, FrameHeader header, RoomCreat request)
    {
        var code = Identity.CheckSelf(connection, request.Uid);
        if (code == ResultCode.Ok && (Identity.TooLong(request.Name, _options.MaxMarkBytes) || Identity.TooLong(request.Desc, _options.MaxTextBytes)))
        {
            code = ResultCode.InvalidParameter;
        }

        var rid = request.Rid;
        if (code == ResultCode.Ok)
        {
            if (rid == 0)
            {
                rid = await grains.GetGrain<IIdAllocatorGrain>(IdKinds.Rid).Next();
            }

            code = await Room(rid).Create(request.Uid, request.Name, request.Desc);
        }

        connection.Reply(header, Cmd.RoomCreatAck, CreatAck(request.Uid, code == ResultCode.Ok ? rid : request.Rid, code));
    }

    private async ValueTask OnDismissAsync(ImConnection connection, FrameHeader header, RoomDismiss request)
    {
        var code = Identity.CheckSelfAndId(connection, request.Uid, request.Rid);
        if (code == ResultCode.Ok)
        {
            code = await Room(request.Rid).Dismiss(request.Uid);
        }

        connection.Reply(header, Cmd.RoomDismissAck, CodeAck<RoomDismissAck>.Create(code));
    }

    private async ValueTask OnJoinAsync(ImConnection connection, FrameHeader header, RoomJoin request)
    {
        var code = Identity.CheckSelfAndId(connection, request.Uid, request.Rid);
        if (code == ResultCode.Ok && connection.Session!.HasRooms && connection.Session.Rooms.ContainsKey(request.Rid))
        {
            code = ResultCode.AlreadyExists;
        }

        if (code != ResultCode.Ok)
        {
            connection.Reply(header, Cmd.RoomJoinAck, JoinAck(request.Uid, request.Rid, 0, code));
            return;
        }

        var joined = await Room(request.Rid).Join(request.Uid, node.AddressOf(connection));
        if (joined.Code == ResultCode.Ok)
        {
            node.Registry.JoinRoom(request.Rid, connection, joined.Bucket);
        }

        connection.Reply(header, Cmd.RoomJoinAck, JoinAck(request.Uid, request.Rid, joined.Bucket, joined.Code));

        // Broadcasts still within their expiry follow the ACK.
        foreach (var frame in joined.Broadcasts)
        {
            connection.Post(OutboundFrame.Shared(frame));
        }
    }

    private async ValueTask OnQuitAsync(ImConnection connection, FrameHeader header, RoomQuit request)
    {
        var code = Identity.CheckSelfAndId(connection, request.Uid, request.Rid);
        if (code == ResultCode.Ok)
        {
            node.Registry.LeaveRoom(request.Rid, connection);
            code = await Room(request.Rid).Quit(node.AddressOf(connection));
        }

        connection.Reply(header, Cmd.RoomQuitAck, QuitAck(request.Uid, request.Rid, code));
    }

    private async ValueTask OnKickAsync(ImConnection connection, FrameHeader header, RoomKick request)
    {
        var code = request.Uid == 0 || request.Rid == 0
            ? ResultCode.InvalidParameter
            : await Room(request.Rid).Kick(connection.Session!.Uid, request.Uid);
        connection.Reply(header, Cmd.RoomKickAck, KickAck(request.Uid, request.Rid, code));
    }

    private async ValueTask OnChatAsync(ImConnection connection, FrameHeader header, RoomChat request, CallOrder order)
    {
        var code = Identity.CheckSelfAndId(connection, request.Uid, request.Rid);
        if (code == ResultCode.Ok && Identity.TooLong(request.Text, _options.MaxTextBytes))
        {
            code = ResultCode.InvalidParameter;
        }

        if (code == ResultCode.Ok && moderator.Checks(ModeratedCommand.RoomChat))
        {
            code = await moderator.ReviewAsync(ModeratedCommand.RoomChat, request.Uid, request.Rid, header.Serial, request.Text, text => request.Text = text);
        }

        uint bucket = 0;
        if (code == ResultCode.Ok)
        {
            (code, bucket) = await Room(request.Rid).Chat(node.AddressOf(connection), request.ToByteArray(), order);
        }

        connection.Reply(header, Cmd.RoomChatAck, ChatAck(request, bucket, code));
    }

    private async ValueTask OnBroadcastAsync(ImConnection connection, FrameHeader header, RoomBc request)
    {
        var session = connection.Session!;
        var code = request.Rid == 0
            ? ResultCode.InvalidParameter
            : await Room(request.Rid).Broadcast(session.Uid, session.Role == Roles.Admin, request.ToByteArray(), request.Expire);
        connection.Reply(header, Cmd.RoomBcAck, BcAck(request.Rid, code));
    }

    private async ValueTask OnCountAsync(ImConnection connection, FrameHeader header, RoomUsrNum request)
    {
        if (request.Rid == 0)
        {
            connection.Reply(header, Cmd.RoomUsrNumAck, NumAck(request.Rid, 0, ResultCode.InvalidParameter));
            return;
        }

        var (code, count) = await Room(request.Rid).CountSessions();
        connection.Reply(header, Cmd.RoomUsrNumAck, NumAck(request.Rid, count, code));
    }

    private async ValueTask OnInfoAsync(ImConnection connection, FrameHeader header, RoomInfo request)
    {
        var ack = CodeAck<RoomInfoAck>.Create(request.Rid == 0 ? ResultCode.InvalidParameter : ResultCode.Ok);
        if (request.Rid != 0)
        {
            var info = await Room(request.Rid).GetInfo();
            ack = CodeAck<RoomInfoAck>.Create(info.Code);
            if (info.Code == ResultCode.Ok)
            {
                ack.Rid = request.Rid;
                ack.Name = info.Name;
                ack.Desc = info.Desc;
                ack.Owner = info.Owner;
                ack.Num = info.Sessions;
            }
        }

        connection.Reply(header, Cmd.RoomInfoAck, ack);
    }

    private static RoomCreatAck CreatAck(ulong uid, ulong rid, uint code) => new() { Uid = uid, Rid = rid, Code = code, Errmsg = ResultCode.Message(code) };

    private static RoomJoinAck JoinAck(ulong uid, ulong rid, uint bucket, uint code) => new() { Uid = uid, Rid = rid, Gid = bucket, Code = code, Errmsg = ResultCode.Message(code) };

    private static RoomQuitAck QuitAck(ulong uid, ulong rid, uint code) => new() { Uid = uid, Rid = rid, Code = code, Errmsg = ResultCode.Message(code) };

    private static RoomKickAck KickAck(ulong uid, ulong rid, uint code) => new() { Uid = uid, Rid = rid, Code = code, Errmsg = ResultCode.Message(code) };

    private static RoomChatAck ChatAck(RoomChat request, uint bucket, uint code) => new() { Uid = request.Uid, Rid = request.Rid, Gid = bucket, Code = code, Errmsg = ResultCode.Message(code) };

    private static RoomBcAck BcAck(ulong rid, uint code) => new() { Rid = rid, Code = code, Errmsg = ResultCode.Message(code) };

    private static RoomUsrNumAck NumAck(ulong rid, uint num, uint code) => new() { Rid = rid, Num = num, Code = code, Errmsg = ResultCode.Message(code) };

    private IRoomGrain Room(ulong rid) => refs.Room(rid);
}
