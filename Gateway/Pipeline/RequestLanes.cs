using Google.Protobuf;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Gateway.Pipeline;

/// <summary>
/// Which lane a parsed request belongs to. Whether consecutive requests of a command may be issued back to back is
/// declared where its handler is registered (<c>CommandRouter.OnOrdered</c>).
/// </summary>
public static class RequestLanes
{
    /// <summary>The lane of <paramref name="request"/>; requests that name no other target use the caller's own lane.</summary>
    public static Lane Of(IMessage request) => request switch
    {
        // A private message and every contact change touch the other user's inbox: one lane per peer, so a
        // FRIEND-ADD then a CHAT to the same user land in that order.
        Chat r => Lane.User(r.Dest),
        FriendAdd r => Lane.User(r.Dest),
        FriendDel r => Lane.User(r.Dest),
        BlacklistAdd r => Lane.User(r.Dest),
        BlacklistDel r => Lane.User(r.Dest),
        GagAdd r => Lane.User(r.Dest),
        GagDel r => Lane.User(r.Dest),
        MarkAdd r => Lane.User(r.Dest),
        MarkDel r => Lane.User(r.Dest),
        GroupCreat r => Lane.Group(r.Gid),
        GroupDimiss r => Lane.Group(r.Gid),
        GroupJoin r => Lane.Group(r.Gid),
        GroupQuit r => Lane.Group(r.Gid),
        GroupInvite r => Lane.Group(r.Gid),
        GroupChat r => Lane.Group(r.Gid),
        GroupKick r => Lane.Group(r.Gid),
        GroupGagAdd r => Lane.Group(r.Gid),
        GroupGagDel r => Lane.Group(r.Gid),
        GroupBlAdd r => Lane.Group(r.Gid),
        GroupBlDel r => Lane.Group(r.Gid),
        GroupMgrAdd r => Lane.Group(r.Gid),
        GroupMgrDel r => Lane.Group(r.Gid),
        GroupUsrList r => Lane.Group(r.Gid),
        RoomCreat r => Lane.Room(r.Rid),
        RoomDismiss r => Lane.Room(r.Rid),
        RoomJoin r => Lane.Room(r.Rid),
        RoomQuit r => Lane.Room(r.Rid),
        RoomKick r => Lane.Room(r.Rid),
        RoomChat r => Lane.Room(r.Rid),
        RoomBc r => Lane.Room(r.Rid),
        RoomUsrNum r => Lane.Room(r.Rid),
        _ => Lane.Self,
    };
}
