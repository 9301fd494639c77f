using Microsoft.Extensions.DependencyInjection;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using OrleansIm.Gateway.Moderation;
using OrleansIm.Gateway.Pipeline;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Gateway.Commands;

/// <summary>
/// Every GROUP-* request. For CREAT/DIMISS/JOIN/QUIT/INVITE/CHAT the body's uid is the caller; for KICK, GAG, BL
/// and MGR it is the target and the caller is the logged-in user. The group grain applies the rank rules.
/// </summary>
public sealed class GroupCommands(IGrainFactory grains, IGrainRefs refs, GatewayNode node, IOptions<GatewayOptions> options, Moderator moderator, [FromKeyedServices(ImClock.Key)] TimeProvider time) : ICommandModule
{
    private readonly GatewayOptions _options = options.Value;

    public void Register(CommandRouter router)
    {
        router.On<GroupCreat>(Cmd.GroupCreat, Cmd.GroupCreatAck, static r => Lane.Group(r.Gid), (_, code) => CodeAck<GroupCreatAck>.Create(code), OnCreateAsync);
        router.OnOrdered<GroupChat>(Cmd.GroupChat, Cmd.GroupChatAck, static r => Lane.Group(r.Gid), (_, code) => CodeAck<GroupChatAck>.Create(code), OnChatAsync);
        router.On<GroupUsrList>(Cmd.GroupUsrList, Cmd.GroupUsrListAck, static r => Lane.Group(r.Gid), (r, code) => ListAck(r.Gid, code, "[]", 0), OnListAsync);
        router.On<GroupInfo>(Cmd.GroupInfo, Cmd.GroupInfoAck, static r => Lane.Group(r.Gid), (_, code) => CodeAck<GroupInfoAck>.Create(code), OnInfoAsync);
        router.On<GroupSetInfo>(Cmd.GroupSetInfo, Cmd.GroupSetInfoAck, static r => Lane.Group(r.Gid), (_, code) => CodeAck<GroupSetInfoAck>.Create(code), OnSetInfoAsync);
        router.On<GroupRecall>(Cmd.GroupRecall, Cmd.GroupRecallAck, static r => Lane.Group(r.Gid), (_, code) => CodeAck<GroupRecallAck>.Create(code), OnRecallAsync);
        router.On<GroupTyping>(Cmd.GroupTyping, Cmd.GroupTypingAck, static r => Lane.Group(r.Gid), (_, code) => CodeAck<GroupTypingAck>.Create(code), OnTypingAsync);
        OnSelf<GroupDimiss, GroupDimissAck>(router, Cmd.GroupDimiss, r => (r.Uid, r.Gid), (g, r) => g.Dismiss(r.Uid));
        OnSelf<GroupJoin, GroupJoinAck>(router, Cmd.GroupJoin, r => (r.Uid, r.Gid), (g, r) => g.Join(r.Uid));
        OnSelf<GroupQuit, GroupQuitAck>(router, Cmd.GroupQuit, r => (r.Uid, r.Gid), (g, r) => g.Quit(r.Uid));
        OnSelf<GroupInvite, GroupInviteAck>(router, Cmd.GroupInvite, r => (r.Uid, r.Gid),
            (g, r) => r.To == 0 || r.To == r.Uid ? Task.FromResult(ResultCode.InvalidParameter) : g.Invite(r.Uid, r.To, r.ToByteArray()));
        OnModerate<GroupKick, GroupKickAck>(router, Cmd.GroupKick, r => (r.Uid, r.Gid), GroupAction.Kick);
        OnModerate<GroupGagAdd, GroupGagAddAck>(router, Cmd.GroupGagAdd, r => (r.Uid, r.Gid), GroupAction.GagAdd);
        OnModerate<GroupGagDel, GroupGagDelAck>(router, Cmd.GroupGagDel, r => (r.Uid, r.Gid), GroupAction.GagDel);
        OnModerate<GroupBlAdd, GroupBlAddAck>(router, Cmd.GroupBlAdd, r => (r.Uid, r.Gid), GroupAction.BlacklistAdd);
        OnModerate<GroupBlDel, GroupBlDelAck>(router, Cmd.GroupBlDel, r => (r.Uid, r.Gid), GroupAction.BlacklistDel);
        OnModerate<GroupMgrAdd, GroupMgrAddAck>(router, Cmd.GroupMgrAdd, r => (r.Uid, r.Gid), GroupAction.ManagerAdd);
        OnModerate<GroupMgrDel, GroupMgrDelAck>(router, Cmd.GroupMgrDel, r => (r.Uid, r.Gid), GroupAction.ManagerDel);
    }

    private async ValueTask OnCreateAsync(ImConnection connection, FrameHeader header, GroupCreat request)
    {
        var code = Identity.CheckSelf(connection, request.Uid);
        if (code == ResultCode.Ok && (Identity.TooLong(request.Name, _options.MaxMarkBytes) || Identity.TooLong(request.Desc, _options.MaxTextBytes)))
        {
            code = ResultCode.InvalidParameter;
        }

        if (code == ResultCode.Ok && !await User(request.Uid).CanCreateGroup())
        {
            code = ResultCode.CapacityReached;
        }

        var gid = request.Gid;
        if (code == ResultCode.Ok)
        {
            if (gid == 0)
            {
                gid = await grains.GetGrain<IIdAllocatorGrain>(IdKinds.Gid).Next();
            }

            code = await Group(gid).Create(request.Uid, request.Name, request.Desc);
        }

        var ack = CodeAck<GroupCreatAck>.Create(code);
        if (code == ResultCode.Ok)
        {
            ack.Gid = gid;
        }

        connection.Reply(header, Cmd.GroupCreatAck, ack);
    }

    private async ValueTask OnChatAsync(ImConnection connection, FrameHeader header, GroupChat request, CallOrder order)
    {
        var code = Identity.CheckSelf(connection, request.Uid);
        if (code == ResultCode.Ok && (request.Gid == 0 || Identity.TooLong(request.Text, _options.MaxTextBytes)))
        {
            code = ResultCode.InvalidParameter;
        }

        if (code == ResultCode.Ok && moderator.Checks(ModeratedCommand.GroupChat))
        {
            code = await moderator.ReviewAsync(ModeratedCommand.GroupChat, request.Uid, request.Gid, header.Serial, request.Text, text => request.Text = text);
        }

        var ack = CodeAck<GroupChatAck>.Create(code);
        if (code == ResultCode.Ok)
        {
            var result = await Group(request.Gid).Chat(request.Uid, header.Serial, node.AddressOf(connection), request.ToByteArray(), order);
            ack = CodeAck<GroupChatAck>.Create(result.Code);
            if (result.Code == ResultCode.Ok)
            {
                ack.Seq = result.Seq;
            }
        }

        connection.Reply(header, Cmd.GroupChatAck, ack);
    }

    private async ValueTask OnListAsync(ImConnection connection, FrameHeader header, GroupUsrList request)
    {
        if (request.Gid == 0)
        {
            connection.Reply(header, Cmd.GroupUsrListAck, ListAck(request.Gid, ResultCode.InvalidParameter, "[]", 0));
            return;
        }

        var page = await Group(request.Gid).ListMembers(connection.Session!.Uid, request.Offset, request.Num);
        connection.Reply(header, Cmd.GroupUsrListAck, ListAck(request.Gid, page.Code, page.Json, page.Total));
    }

    private async ValueTask OnInfoAsync(ImConnection connection, FrameHeader header, GroupInfo request)
    {
        var ack = CodeAck<GroupInfoAck>.Create(request.Gid == 0 ? ResultCode.InvalidParameter : ResultCode.Ok);
        if (request.Gid != 0)
        {
            var info = await Group(request.Gid).GetInfo(connection.Session!.Uid);
            ack = CodeAck<GroupInfoAck>.Create(info.Code);
            if (info.Code == ResultCode.Ok)
            {
                ack.Gid = request.Gid;
                ack.Name = info.Name;
                ack.Desc = info.Desc;
                ack.Owner = info.Owner;
                ack.Members = info.Members;
                ack.Created = info.Created;
                ack.Role = info.Role;
                ack.Seq = info.Head;
            }
        }

        connection.Reply(header, Cmd.GroupInfoAck, ack);
    }

    private async ValueTask OnSetInfoAsync(ImConnection connection, FrameHeader header, GroupSetInfo request)
    {
        var code = Identity.CheckSelfAndId(connection, request.Uid, request.Gid);
        if (code == ResultCode.Ok && ((request.HasName && Identity.TooLong(request.Name, _options.MaxMarkBytes)) || (request.HasDesc && Identity.TooLong(request.Desc, _options.MaxTextBytes))))
        {
            code = ResultCode.InvalidParameter;
        }

        if (code == ResultCode.Ok)
        {
            code = await Group(request.Gid).SetInfo(request.Uid, request.HasName ? request.Name : null, request.HasDesc ? request.Desc : null);
        }

        connection.Reply(header, Cmd.GroupSetInfoAck, CodeAck<GroupSetInfoAck>.Create(code));
    }

    private async ValueTask OnRecallAsync(ImConnection connection, FrameHeader header, GroupRecall request)
    {
        var code = Identity.CheckSelfAndId(connection, request.Uid, request.Gid);
        if (code == ResultCode.Ok)
        {
            code = await Group(request.Gid).Recall(request.Uid, request.Seq);
        }

        connection.Reply(header, Cmd.GroupRecallAck, CodeAck<GroupRecallAck>.Create(code));
    }

    private async ValueTask OnTypingAsync(ImConnection connection, FrameHeader header, GroupTyping request)
    {
        const ulong GroupTarget = 1UL << 63;
        var code = Identity.CheckSelfAndId(connection, request.Uid, request.Gid);
        if (code == ResultCode.Ok && !connection.Session!.TryType(request.Gid | GroupTarget, time, _options.TypingInterval))
        {
            code = ResultCode.RateLimited;
        }

        if (code == ResultCode.Ok)
        {
            code = await Group(request.Gid).Typing(request.Uid, node.AddressOf(connection));
        }

        connection.Reply(header, Cmd.GroupTypingAck, CodeAck<GroupTypingAck>.Create(code));
    }

    /// <summary>A request whose uid is the caller itself.</summary>
    private void OnSelf<TRequest, TAck>(CommandRouter router, uint cmd, Func<TRequest, (ulong Uid, ulong Gid)> ids, Func<IGroupGrain, TRequest, Task<uint>> act)
        where TRequest : class, IMessage<TRequest>, new()
        where TAck : IMessage, new()
    {
        router.On<TRequest>(cmd, cmd + 1, r => Lane.Group(ids(r).Gid), (_, code) => CodeAck<TAck>.Create(code), async (connection, header, request) =>
        {
            var (uid, gid) = ids(request);
            var code = Identity.CheckSelfAndId(connection, uid, gid);
            if (code == ResultCode.Ok)
            {
                code = await act(Group(gid), request);
            }

            connection.Reply(header, cmd + 1, CodeAck<TAck>.Create(code));
        });
    }

    /// <summary>A request whose uid is the target; the caller is the logged-in user.</summary>
    private void OnModerate<TRequest, TAck>(CommandRouter router, uint cmd, Func<TRequest, (ulong Target, ulong Gid)> ids, GroupAction action)
        where TRequest : class, IMessage<TRequest>, new()
        where TAck : IMessage, new()
    {
        router.On<TRequest>(cmd, cmd + 1, r => Lane.Group(ids(r).Gid), (_, code) => CodeAck<TAck>.Create(code), async (connection, header, request) =>
        {
            var (target, gid) = ids(request);
            var code = target == 0 || gid == 0
                ? ResultCode.InvalidParameter
                : await Group(gid).Moderate(connection.Session!.Uid, target, action);
            connection.Reply(header, cmd + 1, CodeAck<TAck>.Create(code));
        });
    }

    private static GroupUsrListAck ListAck(ulong gid, uint code, string json, uint total) =>
        new() { Gid = gid, List = json, Code = code, Errmsg = ResultCode.Message(code), Total = total };

    private IGroupGrain Group(ulong gid) => refs.Group(gid);

    private IUserGrain User(ulong uid) => refs.User(uid);
}
