using System.Collections.Frozen;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Protocol;

/// <summary>Every command of the protocol (docs/protocol.md, "Commands") with its body type.</summary>
public static class CommandTable
{
    private const Direction C2S = Direction.ClientToServer;
    private const Direction S2C = Direction.ServerToClient;
    private const Direction Both = Direction.Both;

    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(Cmd.Online, "ONLINE", C2S, Online.Parser),
        new(Cmd.OnlineAck, "ONLINE-ACK", S2C, OnlineAck.Parser),
        new(Cmd.Offline, "OFFLINE", C2S, null),
        new(Cmd.OfflineAck, "OFFLINE-ACK", S2C, null),
        new(Cmd.Ping, "PING", C2S, null),
        new(Cmd.Pong, "PONG", S2C, null),
        new(Cmd.Sub, "SUB", C2S, Sub.Parser),
        new(Cmd.SubAck, "SUB-ACK", S2C, SubAck.Parser),
        new(Cmd.Unsub, "UNSUB", C2S, Unsub.Parser),
        new(Cmd.UnsubAck, "UNSUB-ACK", S2C, UnsubAck.Parser),
        new(Cmd.Except, "EXCEPT", S2C, Except.Parser),
        new(Cmd.ExceptAck, "EXCEPT-ACK", C2S, null),
        new(Cmd.Sync, "SYNC", C2S, Sync.Parser),
        new(Cmd.SyncAck, "SYNC-ACK", S2C, SyncAck.Parser),
        new(Cmd.AllocSeq, "ALLOC-SEQ", C2S, AllocSeq.Parser),
        new(Cmd.AllocSeqAck, "ALLOC-SEQ-ACK", S2C, AllocSeqAck.Parser),
        new(Cmd.Kick, "KICK", S2C, Kick.Parser),
        new(Cmd.KickAck, "KICK-ACK", C2S, null),
        new(Cmd.OnlineNtc, "ONLINE-NTC", S2C, OnlineNtc.Parser),
        new(Cmd.OfflineNtc, "OFFLINE-NTC", S2C, OfflineNtc.Parser),

        new(Cmd.Chat, "CHAT", Both, Chat.Parser),
        new(Cmd.ChatAck, "CHAT-ACK", Both, ChatAck.Parser),
        new(Cmd.FriendAdd, "FRIEND-ADD", Both, FriendAdd.Parser),
        new(Cmd.FriendAddAck, "FRIEND-ADD-ACK", S2C, FriendAddAck.Parser),
        new(Cmd.FriendDel, "FRIEND-DEL", Both, FriendDel.Parser),
        new(Cmd.FriendDelAck, "FRIEND-DEL-ACK", S2C, FriendDelAck.Parser),
        new(Cmd.BlacklistAdd, "BLACKLIST-ADD", C2S, BlacklistAdd.Parser),
        new(Cmd.BlacklistAddAck, "BLACKLIST-ADD-ACK", S2C, BlacklistAddAck.Parser),
        new(Cmd.BlacklistDel, "BLACKLIST-DEL", C2S, BlacklistDel.Parser),
        new(Cmd.BlacklistDelAck, "BLACKLIST-DEL-ACK", S2C, BlacklistDelAck.Parser),
        new(Cmd.GagAdd, "GAG-ADD", C2S, GagAdd.Parser),
        new(Cmd.GagAddAck, "GAG-ADD-ACK", S2C, GagAddAck.Parser),
        new(Cmd.GagDel, "GAG-DEL", C2S, GagDel.Parser),
        new(Cmd.GagDelAck, "GAG-DEL-ACK", S2C, GagDelAck.Parser),
        new(Cmd.MarkAdd, "MARK-ADD", C2S, MarkAdd.Parser),
        new(Cmd.MarkAddAck, "MARK-ADD-ACK", S2C, MarkAddAck.Parser),
        new(Cmd.MarkDel, "MARK-DEL", C2S, MarkDel.Parser),
        new(Cmd.MarkDelAck, "MARK-DEL-ACK", S2C, MarkDelAck.Parser),

        new(Cmd.GroupCreat, "GROUP-CREAT", C2S, GroupCreat.Parser),
        new(Cmd.GroupCreatAck, "GROUP-CREAT-ACK", S2C, GroupCreatAck.Parser),
        new(Cmd.GroupDimiss, "GROUP-DIMISS", Both, GroupDimiss.Parser),
        new(Cmd.GroupDimissAck, "GROUP-DIMISS-ACK", S2C, GroupDimissAck.Parser),
        new(Cmd.GroupJoin, "GROUP-JOIN", C2S, GroupJoin.Parser),
        new(Cmd.GroupJoinAck, "GROUP-JOIN-ACK", S2C, GroupJoinAck.Parser),
        new(Cmd.GroupQuit, "GROUP-QUIT", C2S, GroupQuit.Parser),
        new(Cmd.GroupQuitAck, "GROUP-QUIT-ACK", S2C, GroupQuitAck.Parser),
        new(Cmd.GroupInvite, "GROUP-INVITE", Both, GroupInvite.Parser),
        new(Cmd.GroupInviteAck, "GROUP-INVITE-ACK", S2C, GroupInviteAck.Parser),
        new(Cmd.GroupChat, "GROUP-CHAT", Both, GroupChat.Parser),
        new(Cmd.GroupChatAck, "GROUP-CHAT-ACK", S2C, GroupChatAck.Parser),
        new(Cmd.GroupKick, "GROUP-KICK", C2S, GroupKick.Parser),
        new(Cmd.GroupKickAck, "GROUP-KICK-ACK", S2C, GroupKickAck.Parser),
        new(Cmd.GroupGagAdd, "GROUP-GAG-ADD", C2S, GroupGagAdd.Parser),
        new(Cmd.GroupGagAddAck, "GROUP-GAG-ADD-ACK", S2C, GroupGagAddAck.Parser),
        new(Cmd.GroupGagDel, "GROUP-GAG-DEL", C2S, GroupGagDel.Parser),
        new(Cmd.GroupGagDelAck, "GROUP-GAG-DEL-ACK", S2C, GroupGagDelAck.Parser),
        new(Cmd.GroupBlAdd, "GROUP-BL-ADD", C2S, GroupBlAdd.Parser),
        new(Cmd.GroupBlAddAck, "GROUP-BL-ADD-ACK", S2C, GroupBlAddAck.Parser),
        new(Cmd.GroupBlDel, "GROUP-BL-DEL", C2S, GroupBlDel.Parser),
        new(Cmd.GroupBlDelAck, "GROUP-BL-DEL-ACK", S2C, GroupBlDelAck.Parser),
        new(Cmd.GroupMgrAdd, "GROUP-MGR-ADD", C2S, GroupMgrAdd.Parser),
        new(Cmd.GroupMgrAddAck, "GROUP-MGR-ADD-ACK", S2C, GroupMgrAddAck.Parser),
        new(Cmd.GroupMgrDel, "GROUP-MGR-DEL", C2S, GroupMgrDel.Parser),
        new(Cmd.GroupMgrDelAck, "GROUP-MGR-DEL-ACK", S2C, GroupMgrDelAck.Parser),
        new(Cmd.GroupUsrList, "GROUP-USR-LIST", C2S, GroupUsrList.Parser),
        new(Cmd.GroupUsrListAck, "GROUP-USR-LIST-ACK", S2C, GroupUsrListAck.Parser),
        new(Cmd.GroupJoinNtc, "GROUP-JOIN-NTC", S2C, GroupJoinNtc.Parser),
        new(Cmd.GroupQuitNtc, "GROUP-QUIT-NTC", S2C, GroupQuitNtc.Parser),
        new(Cmd.GroupKickNtc, "GROUP-KICK-NTC", S2C, GroupKickNtc.Parser),
        new(Cmd.GroupGagAddNtc, "GROUP-GAG-ADD-NTC", S2C, GroupGagAddNtc.Parser),
        new(Cmd.GroupGagDelNtc, "GROUP-GAG-DEL-NTC", S2C, GroupGagDelNtc.Parser),
        new(Cmd.GroupBlAddNtc, "GROUP-BL-ADD-NTC", S2C, GroupBlAddNtc.Parser),
        new(Cmd.GroupBlDelNtc, "GROUP-BL-DEL-NTC", S2C, GroupBlDelNtc.Parser),
        new(Cmd.GroupMgrAddNtc, "GROUP-MGR-ADD-NTC", S2C, GroupMgrAddNtc.Parser),
        new(Cmd.GroupMgrDelNtc, "GROUP-MGR-DEL-NTC", S2C, GroupMgrDelNtc.Parser),

        new(Cmd.RoomCreat, "ROOM-CREAT", C2S, RoomCreat.Parser),
        new(Cmd.RoomCreatAck, "ROOM-CREAT-ACK", S2C, RoomCreatAck.Parser),
        new(Cmd.RoomDismiss, "ROOM-DISMISS", Both, RoomDismiss.Parser),
        new(Cmd.RoomDismissAck, "ROOM-DISMISS-ACK", S2C, RoomDismissAck.Parser),
        new(Cmd.RoomJoin, "ROOM-JOIN", C2S, RoomJoin.Parser),
        new(Cmd.RoomJoinAck, "ROOM-JOIN-ACK", S2C, RoomJoinAck.Parser),
        new(Cmd.RoomQuit, "ROOM-QUIT", C2S, RoomQuit.Parser),
        new(Cmd.RoomQuitAck, "ROOM-QUIT-ACK", S2C, RoomQuitAck.Parser),
        new(Cmd.RoomKick, "ROOM-KICK", Both, RoomKick.Parser),
        new(Cmd.RoomKickAck, "ROOM-KICK-ACK", S2C, RoomKickAck.Parser),
        new(Cmd.RoomChat, "ROOM-CHAT", Both, RoomChat.Parser),
        new(Cmd.RoomChatAck, "ROOM-CHAT-ACK", S2C, RoomChatAck.Parser),
        new(Cmd.RoomBc, "ROOM-BC", Both, RoomBc.Parser),
        new(Cmd.RoomBcAck, "ROOM-BC-ACK", S2C, RoomBcAck.Parser),
        new(Cmd.RoomUsrNum, "ROOM-USR-NUM", Both, RoomUsrNum.Parser),
        new(Cmd.RoomUsrNumAck, "ROOM-USR-NUM-ACK", S2C, RoomUsrNumAck.Parser),
        new(Cmd.RoomJoinNtc, "ROOM-JOIN-NTC", S2C, RoomJoinNtc.Parser),
        new(Cmd.RoomQuitNtc, "ROOM-QUIT-NTC", S2C, RoomQuitNtc.Parser),
        new(Cmd.RoomKickNtc, "ROOM-KICK-NTC", S2C, RoomKickNtc.Parser),

        new(Cmd.Bc, "BC", S2C, null, OpaqueBody: true),
        new(Cmd.BcAck, "BC-ACK", C2S, null),
        new(Cmd.P2P, "P2P", S2C, null, OpaqueBody: true),
        new(Cmd.P2PAck, "P2P-ACK", C2S, null),

        new(Cmd.LsndInfo, "LSND-INFO", C2S, LsndInfo.Parser),
        new(Cmd.LsndInfoAck, "LSND-INFO-ACK", S2C, LsndInfoAck.Parser),
        new(Cmd.FrwdInfo, "FRWD-INFO", C2S, FrwdInfo.Parser),
        new(Cmd.FrwdInfoAck, "FRWD-INFO-ACK", S2C, FrwdInfoAck.Parser),
        new(Cmd.LsndUsrNum, "LSND-USR-NUM", C2S, LsndUsrNum.Parser),
        new(Cmd.LsndUsrNumAck, "LSND-USR-NUM-ACK", S2C, LsndUsrNumAck.Parser),
    ];

    private static readonly FrozenDictionary<uint, CommandInfo> ById = All.ToFrozenDictionary(c => c.Id);

    public static CommandInfo? Find(uint id) => ById.GetValueOrDefault(id);

    public static string NameOf(uint id) => Find(id)?.Name ?? $"0x{id:X4}";
}
