using Google.Protobuf;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Client;

/// <summary>
/// The typed calls: one per client command of docs/protocol.md. Each returns when the server answered 0 and throws
/// <see cref="ImException"/> with the protocol code otherwise. Messages (CHAT, GROUP-CHAT) and queries are sent
/// again after a reconnect; anything else whose connection broke before the reply fails with code 0, since the app
/// cannot know whether it took effect.
/// </summary>
public sealed partial class ChatClient
{
    private static ulong Now => (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    // ---- private chat ----

    /// <summary>Sends a private message; returns its seq in this user's inbox. Stored once however often it is resent.</summary>
    public async Task<ulong> SendChatAsync(ulong to, string text, ReadOnlyMemory<byte> data = default, CancellationToken cancellationToken = default)
    {
        var chat = new Chat { Orig = Uid, Dest = to, Level = 1, Time = Now, Text = text };
        if (!data.IsEmpty)
        {
            chat.Data = ByteString.CopyFrom(data.Span);
        }

        var ack = await AskAsync(Cmd.Chat, chat, ChatAck.Parser, cancellationToken, resend: true, messageSerial: true);
        return ack.Seq;
    }

    /// <summary>Recalls this user's message at <paramref name="seq"/> of its own inbox, within the server's recall window.</summary>
    public Task RecallAsync(ulong to, ulong seq, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.Recall, new Recall { Orig = Uid, Dest = to, Seq = seq }, RecallAck.Parser, cancellationToken);

    /// <summary>Tells <paramref name="to"/> this user is typing (rate limited by the server).</summary>
    public Task TypingAsync(ulong to, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.Typing, new Typing { Orig = Uid, Dest = to }, TypingAck.Parser, cancellationToken);

    /// <summary>Moves this user's read position in a conversation (kind 1: a user, 2: a group); returns the unread count left.</summary>
    public async Task<uint> MarkReadAsync(ConversationKind kind, ulong id, ulong seq, CancellationToken cancellationToken = default) =>
        (await AskAsync(Cmd.Read, new Read { Uid = Uid, Kind = (uint)kind, Id = id, Seq = seq }, ReadAck.Parser, cancellationToken)).Unread;

    /// <summary>Tells <paramref name="peer"/> this user received its messages up to <paramref name="seq"/> of this user's inbox.</summary>
    public Task MarkDeliveredAsync(ulong peer, ulong seq, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.Delivered, new Delivered { Uid = Uid, Peer = peer, Seq = seq }, DeliveredAck.Parser, cancellationToken);

    // ---- contacts and account ----

    public Task AddFriendAsync(ulong uid, string mark = "", CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.FriendAdd, new FriendAdd { Orig = Uid, Dest = uid, Mark = mark }, FriendAddAck.Parser, cancellationToken);

    /// <summary>Ends a friendship, withdraws a request, or declines one.</summary>
    public Task RemoveFriendAsync(ulong uid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.FriendDel, new FriendDel { Orig = Uid, Dest = uid }, FriendDelAck.Parser, cancellationToken);

    public Task SetBlacklistedAsync(ulong uid, bool listed, CancellationToken cancellationToken = default) => listed
        ? AskAsync(Cmd.BlacklistAdd, new BlacklistAdd { Orig = Uid, Dest = uid }, BlacklistAddAck.Parser, cancellationToken)
        : AskAsync(Cmd.BlacklistDel, new BlacklistDel { Orig = Uid, Dest = uid }, BlacklistDelAck.Parser, cancellationToken);

    /// <summary>Mutes (or unmutes) a user: its messages are still accepted but not delivered to this user.</summary>
    public Task SetGaggedAsync(ulong uid, bool gagged, CancellationToken cancellationToken = default) => gagged
        ? AskAsync(Cmd.GagAdd, new GagAdd { Orig = Uid, Dest = uid }, GagAddAck.Parser, cancellationToken)
        : AskAsync(Cmd.GagDel, new GagDel { Orig = Uid, Dest = uid }, GagDelAck.Parser, cancellationToken);

    /// <summary>Sets this user's private name for another (null removes it).</summary>
    public Task SetMarkAsync(ulong uid, string? mark, CancellationToken cancellationToken = default) => mark is not null
        ? AskAsync(Cmd.MarkAdd, new MarkAdd { Orig = Uid, Dest = uid, Mark = mark }, MarkAddAck.Parser, cancellationToken)
        : AskAsync(Cmd.MarkDel, new MarkDel { Orig = Uid, Dest = uid }, MarkDelAck.Parser, cancellationToken);

    /// <summary>Friends, requests both ways, blacklist, mutes and marks (a page, by uid; num 0: the server's page size).</summary>
    public Task<ContactsAck> GetContactsAsync(uint offset = 0, uint num = 0, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.Contacts, new Contacts { Uid = Uid, Offset = offset, Num = num }, ContactsAck.Parser, cancellationToken, resend: true);

    /// <summary>Private and group conversations, most recent first, with previews, read positions and unread counts.</summary>
    public Task<ConversationsAck> GetConversationsAsync(uint offset = 0, uint num = 0, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.Conversations, new Conversations { Uid = Uid, Offset = offset, Num = num }, ConversationsAck.Parser, cancellationToken, resend: true);

    /// <summary>Whether users are online, and when they were last seen.</summary>
    public async Task<IReadOnlyList<PresenceState>> GetPresenceAsync(IEnumerable<ulong> uids, CancellationToken cancellationToken = default)
    {
        var request = new Presence { Uid = Uid };
        request.Uids.AddRange(uids);
        return (await AskAsync(Cmd.Presence, request, PresenceAck.Parser, cancellationToken, resend: true)).Users;
    }

    /// <summary>Turns read and delivery receipts this user sends on or off; returns the setting.</summary>
    public async Task<bool> SetReceiptsAsync(bool on, CancellationToken cancellationToken = default) =>
        (await AskAsync(Cmd.Prefs, new Prefs { Uid = Uid, Receipts = on }, PrefsAck.Parser, cancellationToken)).Receipts;

    /// <summary>Subscribes to a class of pushes, named by its notice command (e.g. Cmd.OnlineNtc: friends coming online).</summary>
    /// <remarks>Kept for the session's later reconnects too.</remarks>
    public async Task SubscribeAsync(uint pushClass, CancellationToken cancellationToken = default)
    {
        await AskAsync(Cmd.Sub, new Sub { Sub_ = pushClass }, SubAck.Parser, cancellationToken);
        lock (_subscriptions)
        {
            _subscriptions.Add(pushClass);
        }
    }

    public async Task UnsubscribeAsync(uint pushClass, CancellationToken cancellationToken = default)
    {
        await AskAsync(Cmd.Unsub, new Unsub { Sub = pushClass }, UnsubAck.Parser, cancellationToken);
        lock (_subscriptions)
        {
            _subscriptions.Remove(pushClass);
        }
    }

    // ---- groups ----

    /// <summary>Creates a group owned by this user; returns its gid (0 asks the server for one).</summary>
    public async Task<ulong> CreateGroupAsync(string name, string desc = "", ulong gid = 0, CancellationToken cancellationToken = default) =>
        (await AskAsync(Cmd.GroupCreat, new GroupCreat { Uid = Uid, Gid = gid, Name = name, Desc = desc }, GroupCreatAck.Parser, cancellationToken)).Gid;

    public Task DismissGroupAsync(ulong gid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.GroupDimiss, new GroupDimiss { Uid = Uid, Gid = gid }, GroupDimissAck.Parser, cancellationToken);

    public Task JoinGroupAsync(ulong gid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.GroupJoin, new GroupJoin { Uid = Uid, Gid = gid }, GroupJoinAck.Parser, cancellationToken);

    public Task QuitGroupAsync(ulong gid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.GroupQuit, new GroupQuit { Uid = Uid, Gid = gid }, GroupQuitAck.Parser, cancellationToken);

    public Task InviteToGroupAsync(ulong gid, ulong uid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.GroupInvite, new GroupInvite { Uid = Uid, Gid = gid, To = uid }, GroupInviteAck.Parser, cancellationToken);

    /// <summary>Sends a group message; returns its seq in the group log. Stored once however often it is resent.</summary>
    public async Task<ulong> SendGroupChatAsync(ulong gid, string text, ReadOnlyMemory<byte> data = default, CancellationToken cancellationToken = default)
    {
        var chat = new GroupChat { Uid = Uid, Gid = gid, Level = 1, Time = Now, Text = text };
        if (!data.IsEmpty)
        {
            chat.Data = ByteString.CopyFrom(data.Span);
        }

        return (await AskAsync(Cmd.GroupChat, chat, GroupChatAck.Parser, cancellationToken, resend: true, messageSerial: true)).Seq;
    }

    public Task KickFromGroupAsync(ulong gid, ulong uid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.GroupKick, new GroupKick { Uid = uid, Gid = gid }, GroupKickAck.Parser, cancellationToken);

    public Task SetGaggedInGroupAsync(ulong gid, ulong uid, bool gagged, CancellationToken cancellationToken = default) => gagged
        ? AskAsync(Cmd.GroupGagAdd, new GroupGagAdd { Uid = uid, Gid = gid }, GroupGagAddAck.Parser, cancellationToken)
        : AskAsync(Cmd.GroupGagDel, new GroupGagDel { Uid = uid, Gid = gid }, GroupGagDelAck.Parser, cancellationToken);

    public Task SetBannedFromGroupAsync(ulong gid, ulong uid, bool banned, CancellationToken cancellationToken = default) => banned
        ? AskAsync(Cmd.GroupBlAdd, new GroupBlAdd { Uid = uid, Gid = gid }, GroupBlAddAck.Parser, cancellationToken)
        : AskAsync(Cmd.GroupBlDel, new GroupBlDel { Uid = uid, Gid = gid }, GroupBlDelAck.Parser, cancellationToken);

    public Task SetGroupManagerAsync(ulong gid, ulong uid, bool manager, CancellationToken cancellationToken = default) => manager
        ? AskAsync(Cmd.GroupMgrAdd, new GroupMgrAdd { Uid = uid, Gid = gid }, GroupMgrAddAck.Parser, cancellationToken)
        : AskAsync(Cmd.GroupMgrDel, new GroupMgrDel { Uid = uid, Gid = gid }, GroupMgrDelAck.Parser, cancellationToken);

    /// <summary>A page of the members as JSON (<c>[{"uid":1,"role":"owner","gag":false}, …]</c>) and the total.</summary>
    public Task<GroupUsrListAck> GetGroupMembersAsync(ulong gid, uint offset = 0, uint num = 0, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.GroupUsrList, new GroupUsrList { Gid = gid, Offset = offset, Num = num }, GroupUsrListAck.Parser, cancellationToken, resend: true);

    public Task<GroupInfoAck> GetGroupInfoAsync(ulong gid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.GroupInfo, new GroupInfo { Gid = gid }, GroupInfoAck.Parser, cancellationToken, resend: true);

    /// <summary>Renames or redescribes a group (null leaves that one as it is).</summary>
    public Task SetGroupInfoAsync(ulong gid, string? name, string? desc, CancellationToken cancellationToken = default)
    {
        var request = new GroupSetInfo { Uid = Uid, Gid = gid };
        if (name is not null)
        {
            request.Name = name;
        }

        if (desc is not null)
        {
            request.Desc = desc;
        }

        return AskAsync(Cmd.GroupSetInfo, request, GroupSetInfoAck.Parser, cancellationToken);
    }

    public Task RecallGroupMessageAsync(ulong gid, ulong seq, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.GroupRecall, new GroupRecall { Uid = Uid, Gid = gid, Seq = seq }, GroupRecallAck.Parser, cancellationToken);

    public Task GroupTypingAsync(ulong gid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.GroupTyping, new GroupTyping { Uid = Uid, Gid = gid }, GroupTypingAck.Parser, cancellationToken);

    // ---- rooms (live only) ----

    /// <summary>Creates a room owned by this user; returns its rid (0 asks the server for one).</summary>
    public async Task<ulong> CreateRoomAsync(string name, string desc = "", ulong rid = 0, CancellationToken cancellationToken = default) =>
        (await AskAsync(Cmd.RoomCreat, new RoomCreat { Uid = Uid, Rid = rid, Name = name, Desc = desc }, RoomCreatAck.Parser, cancellationToken)).Rid;

    public Task DismissRoomAsync(ulong rid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.RoomDismiss, new RoomDismiss { Uid = Uid, Rid = rid }, RoomDismissAck.Parser, cancellationToken);

    /// <summary>Joins a room with this session; returns the bucket it was placed in. Not rejoined after a reconnect: join again.</summary>
    public async Task<uint> JoinRoomAsync(ulong rid, CancellationToken cancellationToken = default) =>
        (await AskAsync(Cmd.RoomJoin, new RoomJoin { Uid = Uid, Rid = rid }, RoomJoinAck.Parser, cancellationToken)).Gid;

    public Task QuitRoomAsync(ulong rid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.RoomQuit, new RoomQuit { Uid = Uid, Rid = rid }, RoomQuitAck.Parser, cancellationToken);

    public Task KickFromRoomAsync(ulong rid, ulong uid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.RoomKick, new RoomKick { Uid = uid, Rid = rid }, RoomKickAck.Parser, cancellationToken);

    /// <summary>Sends to this session's bucket of the room. Not resent after a reconnect (a room keeps nothing to dedupe against).</summary>
    public Task SendRoomChatAsync(ulong rid, string text, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.RoomChat, new RoomChat { Uid = Uid, Rid = rid, Gid = 0, Level = 1, Time = Now, Text = text }, RoomChatAck.Parser, cancellationToken);

    /// <summary>A broadcast to every bucket (owner, managers or admin tokens), kept for <paramref name="expireSeconds"/> for late joiners.</summary>
    public Task BroadcastToRoomAsync(ulong rid, ReadOnlyMemory<byte> data, uint expireSeconds, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.RoomBc, new RoomBc { Rid = rid, Level = 1, Time = Now, Expire = expireSeconds, Data = ByteString.CopyFrom(data.Span) }, RoomBcAck.Parser, cancellationToken);

    public Task<RoomInfoAck> GetRoomInfoAsync(ulong rid, CancellationToken cancellationToken = default) =>
        AskAsync(Cmd.RoomInfo, new RoomInfo { Rid = rid }, RoomInfoAck.Parser, cancellationToken, resend: true);

    /// <summary>How many sessions are in the room.</summary>
    public async Task<uint> GetRoomCountAsync(ulong rid, CancellationToken cancellationToken = default) =>
        (await AskAsync(Cmd.RoomUsrNum, new RoomUsrNum { Rid = rid, Num = 0 }, RoomUsrNumAck.Parser, cancellationToken, resend: true)).Num;

    private async Task<T> AskAsync<T>(uint cmd, IMessage body, MessageParser<T> parser, CancellationToken cancellationToken, bool resend = false, bool messageSerial = false)
        where T : IMessage<T>
    {
        var frame = await RequestAsync(cmd, body, resend, messageSerial, cancellationToken);
        var ack = frame.As(parser);
        var code = Replies.CodeOf(ack, out var errmsg);
        if (code != ResultCode.Ok)
        {
            throw new ImException(cmd, code, errmsg);
        }

        return ack;
    }
}

/// <summary>The two kinds of conversation READ and CONVERSATIONS speak of.</summary>
public enum ConversationKind : uint
{
    Private = 1,
    Group = 2,
}
