using OrleansIm.Protocol;

namespace OrleansIm.Tests.Protocol;

/// <summary>
/// The body layouts of docs/protocol.md, written down independently of im.proto: field number and wire type
/// per command. "cursor" is the repeated GroupCursor {1 gid u64, 2 seq u64}; "u64*" a repeated u64; "[Name]" a
/// repeated message and "{Name}" one message, whose layouts are in <see cref="Nested"/>.
/// </summary>
public static class WireLayouts
{
    private const string OrigDest = "1:u64 2:u64";
    private const string CodeMsg = "1:u32 2:str";
    private const string UidGid = "1:u64 2:u64";

    public static readonly IReadOnlyDictionary<uint, string> ByCommand = new Dictionary<uint, string>
    {
        [Cmd.Online] = "1:u64 2:u64 3:str 4:str 5:str 6:u32",
        [Cmd.OnlineAck] = "1:u64 2:u64 3:str 4:str 5:u32 6:u32 7:str 8:u64 9:u32",
        [Cmd.Sub] = "1:u32",
        [Cmd.SubAck] = "1:u32 2:u32 3:str",
        [Cmd.Unsub] = "1:u32",
        [Cmd.UnsubAck] = "1:u32 2:u32 3:str",
        [Cmd.Except] = "1:u32 2:str 3:u32 4:u64",
        [Cmd.Sync] = "1:u64 2:u64 3:cursor",
        [Cmd.SyncAck] = "1:u64 2:u32 3:str 4:u64 5:u32 6:bool",
        [Cmd.AllocSeq] = "1:u64 2:u32",
        [Cmd.AllocSeqAck] = "1:u64 2:u64 3:u32 4:u32 5:str",
        [Cmd.Kick] = CodeMsg,
        [Cmd.Presence] = "1:u64 2:u64*",
        [Cmd.PresenceAck] = "1:u32 2:str 3:[PresenceState]",
        [Cmd.Prefs] = "1:u64 2:bool",
        [Cmd.PrefsAck] = "1:u32 2:str 3:bool",
        [Cmd.OnlineNtc] = "1:u64 2:u32",
        [Cmd.OfflineNtc] = "1:u64",

        [Cmd.Chat] = "1:u64 2:u64 3:u32 4:u64 5:str 6:bytes 7:bool",
        [Cmd.ChatAck] = "1:u64 2:u64 3:u32 4:str 5:u64",
        [Cmd.FriendAdd] = "1:u64 2:u64 3:str",
        [Cmd.FriendAddAck] = CodeMsg,
        [Cmd.FriendDel] = OrigDest,
        [Cmd.FriendDelAck] = CodeMsg,
        [Cmd.BlacklistAdd] = OrigDest,
        [Cmd.BlacklistAddAck] = CodeMsg,
        [Cmd.BlacklistDel] = OrigDest,
        [Cmd.BlacklistDelAck] = CodeMsg,
        [Cmd.GagAdd] = OrigDest,
        [Cmd.GagAddAck] = CodeMsg,
        [Cmd.GagDel] = OrigDest,
        [Cmd.GagDelAck] = CodeMsg,
        [Cmd.MarkAdd] = "1:u64 2:u64 3:str",
        [Cmd.MarkAddAck] = CodeMsg,
        [Cmd.MarkDel] = OrigDest,
        [Cmd.MarkDelAck] = CodeMsg,
        [Cmd.Contacts] = "1:u64 2:u32 3:u32",
        [Cmd.ContactsAck] = "1:u32 2:str 3:u64 4:u32 5:[Contact]",
        [Cmd.Conversations] = "1:u64 2:u32 3:u32",
        [Cmd.ConversationsAck] = "1:u32 2:str 3:u32 4:[Conversation]",
        [Cmd.Read] = "1:u64 2:u32 3:u64 4:u64",
        [Cmd.ReadAck] = "1:u32 2:str 3:u32",
        [Cmd.Delivered] = "1:u64 2:u64 3:u64",
        [Cmd.DeliveredAck] = CodeMsg,
        [Cmd.Recall] = "1:u64 2:u64 3:u64",
        [Cmd.RecallAck] = CodeMsg,
        [Cmd.Typing] = OrigDest,
        [Cmd.TypingAck] = CodeMsg,
        [Cmd.ContactNtc] = "1:u64 2:{Contact}",
        [Cmd.ReadNtc] = "1:u32 2:u64 3:u64 4:u32",
        [Cmd.ReceiptNtc] = "1:u32 2:u64 3:u64",
        [Cmd.RecallNtc] = "1:u64 2:u64 3:u64 4:u64",
        [Cmd.TypingNtc] = OrigDest,

        [Cmd.GroupCreat] = "1:u64 2:u64 3:str 4:str",
        [Cmd.GroupCreatAck] = "1:u32 2:str 3:u64",
        [Cmd.GroupDimiss] = UidGid,
        [Cmd.GroupDimissAck] = CodeMsg,
        [Cmd.GroupJoin] = UidGid,
        [Cmd.GroupJoinAck] = CodeMsg,
        [Cmd.GroupQuit] = UidGid,
        [Cmd.GroupQuitAck] = CodeMsg,
        [Cmd.GroupInvite] = "1:u64 2:u64 3:u64",
        [Cmd.GroupInviteAck] = CodeMsg,
        [Cmd.GroupChat] = "1:u64 2:u64 3:u32 4:u64 5:str 6:bytes 7:bool",
        [Cmd.GroupChatAck] = "1:u32 2:str 3:u64",
        [Cmd.GroupKick] = UidGid,
        [Cmd.GroupKickAck] = CodeMsg,
        [Cmd.GroupGagAdd] = UidGid,
        [Cmd.GroupGagAddAck] = CodeMsg,
        [Cmd.GroupGagDel] = UidGid,
        [Cmd.GroupGagDelAck] = CodeMsg,
        [Cmd.GroupBlAdd] = UidGid,
        [Cmd.GroupBlAddAck] = CodeMsg,
        [Cmd.GroupBlDel] = UidGid,
        [Cmd.GroupBlDelAck] = CodeMsg,
        [Cmd.GroupMgrAdd] = UidGid,
        [Cmd.GroupMgrAddAck] = CodeMsg,
        [Cmd.GroupMgrDel] = UidGid,
        [Cmd.GroupMgrDelAck] = CodeMsg,
        [Cmd.GroupUsrList] = "1:u64 2:u32 3:u32",
        [Cmd.GroupUsrListAck] = "1:u64 2:str 3:u32 4:str 5:u32",
        [Cmd.GroupInfo] = "1:u64",
        [Cmd.GroupInfoAck] = "1:u32 2:str 3:u64 4:str 5:str 6:u64 7:u32 8:u64 9:str 10:u64",
        [Cmd.GroupSetInfo] = "1:u64 2:u64 3:str 4:str",
        [Cmd.GroupSetInfoAck] = CodeMsg,
        [Cmd.GroupRecall] = "1:u64 2:u64 3:u64",
        [Cmd.GroupRecallAck] = CodeMsg,
        [Cmd.GroupTyping] = UidGid,
        [Cmd.GroupTypingAck] = CodeMsg,
        [Cmd.GroupInfoNtc] = "1:u64 2:u64 3:str 4:str",
        [Cmd.GroupRecallNtc] = "1:u64 2:u64 3:u64",
        [Cmd.GroupTypingNtc] = UidGid,
        [Cmd.GroupJoinNtc] = UidGid,
        [Cmd.GroupQuitNtc] = UidGid,
        [Cmd.GroupKickNtc] = UidGid,
        [Cmd.GroupGagAddNtc] = UidGid,
        [Cmd.GroupGagDelNtc] = UidGid,
        [Cmd.GroupBlAddNtc] = UidGid,
        [Cmd.GroupBlDelNtc] = UidGid,
        [Cmd.GroupMgrAddNtc] = UidGid,
        [Cmd.GroupMgrDelNtc] = UidGid,

        [Cmd.RoomCreat] = "1:u64 2:u64 3:str 4:str",
        [Cmd.RoomCreatAck] = "1:u64 2:u64 3:u32 4:str",
        [Cmd.RoomDismiss] = "1:u64 2:u64",
        [Cmd.RoomDismissAck] = CodeMsg,
        [Cmd.RoomJoin] = "1:u64 2:u64",
        [Cmd.RoomJoinAck] = "1:u64 2:u64 3:u32 4:u32 5:str",
        [Cmd.RoomQuit] = "1:u64 2:u64",
        [Cmd.RoomQuitAck] = "1:u64 2:u64 3:u32 4:str",
        [Cmd.RoomKick] = "1:u64 2:u64",
        [Cmd.RoomKickAck] = "1:u64 2:u64 3:u32 4:str",
        [Cmd.RoomChat] = "1:u64 2:u64 3:u32 4:u32 5:u64 6:str 7:bytes",
        [Cmd.RoomChatAck] = "1:u64 2:u64 3:u32 4:u32 5:str",
        [Cmd.RoomBc] = "1:u64 2:u32 3:u64 4:u32 5:bytes",
        [Cmd.RoomBcAck] = "1:u64 2:u32 3:str",
        [Cmd.RoomUsrNum] = "1:u64 2:u32",
        [Cmd.RoomUsrNumAck] = "1:u64 2:u32 3:u32 4:str",
        [Cmd.RoomInfo] = "1:u64",
        [Cmd.RoomInfoAck] = "1:u32 2:str 3:u64 4:str 5:str 6:u64 7:u32",
        [Cmd.RoomJoinNtc] = "1:u64 2:u64",
        [Cmd.RoomQuitNtc] = "1:u64 2:u64",
        [Cmd.RoomKickNtc] = "1:u64 2:u64",

        [Cmd.LsndInfo] = "1:u32 2:u32 3:str 4:str 5:str 6:u32",
        [Cmd.LsndInfoAck] = CodeMsg,
        [Cmd.FrwdInfo] = "1:u32 2:str 3:u32 4:u32",
        [Cmd.FrwdInfoAck] = CodeMsg,
        [Cmd.LsndUsrNum] = "1:u32 2:u32",
        [Cmd.LsndUsrNumAck] = CodeMsg,
    };

    /// <summary>The layouts of the messages carried inside bodies.</summary>
    public static readonly IReadOnlyDictionary<string, string> Nested = new Dictionary<string, string>
    {
        ["PresenceState"] = "1:u64 2:bool 3:u64 4:u32",
        ["Contact"] = "1:u64 2:bool 3:bool 4:bool 5:bool 6:bool 7:str",
        ["Conversation"] = "1:u32 2:u64 3:str 4:str 5:u64 6:u64 7:u64 8:str 9:u64 10:u32 11:u64",
    };

    public static IEnumerable<(int Number, string Kind)> Fields(uint cmd) => Parse(ByCommand[cmd]);

    public static IEnumerable<(int Number, string Kind)> Parse(string layout) =>
        layout.Split(' ').Select(f => f.Split(':')).Select(p => (int.Parse(p[0]), p[1]));
}
