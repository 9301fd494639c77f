using Google.Protobuf;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Client;

/// <summary>
/// The account-state requests of the protocol (contacts, conversations, read positions, receipts, presence, recall,
/// typing, group and room info): each sends its request and returns the reply, whatever its code.
/// </summary>
public static class AccountRequests
{
    public static Task<ContactsAck> ContactsAsync(this ImClient client, uint offset = 0, uint num = 0, ulong? uid = null) =>
        AskAsync(client, Cmd.Contacts, new Contacts { Uid = uid ?? client.Uid, Offset = offset, Num = num }, ContactsAck.Parser);

    public static Task<ConversationsAck> ConversationsAsync(this ImClient client, uint offset = 0, uint num = 0, ulong? uid = null) =>
        AskAsync(client, Cmd.Conversations, new Conversations { Uid = uid ?? client.Uid, Offset = offset, Num = num }, ConversationsAck.Parser);

    public static Task<ReadAck> ReadAsync(this ImClient client, uint kind, ulong id, ulong seq, ulong? uid = null) =>
        AskAsync(client, Cmd.Read, new Read { Uid = uid ?? client.Uid, Kind = kind, Id = id, Seq = seq }, ReadAck.Parser);

    public static async Task<uint> DeliveredAsync(this ImClient client, ulong peer, ulong seq) =>
        (await AskAsync(client, Cmd.Delivered, new Delivered { Uid = client.Uid, Peer = peer, Seq = seq }, DeliveredAck.Parser)).Code;

    public static Task<PrefsAck> PrefsAsync(this ImClient client, bool? receipts)
    {
        var request = new Prefs { Uid = client.Uid };
        if (receipts is { } on)
        {
            request.Receipts = on;
        }

        return AskAsync(client, Cmd.Prefs, request, PrefsAck.Parser);
    }

    public static Task<PresenceAck> PresenceAsync(this ImClient client, params ulong[] uids)
    {
        var request = new Presence { Uid = client.Uid };
        request.Uids.AddRange(uids);
        return AskAsync(client, Cmd.Presence, request, PresenceAck.Parser);
    }

    public static async Task<uint> RecallAsync(this ImClient client, ulong dest, ulong seq) =>
        (await AskAsync(client, Cmd.Recall, new Recall { Orig = client.Uid, Dest = dest, Seq = seq }, RecallAck.Parser)).Code;

    public static async Task<uint> TypingAsync(this ImClient client, ulong dest) =>
        (await AskAsync(client, Cmd.Typing, new Typing { Orig = client.Uid, Dest = dest }, TypingAck.Parser)).Code;

    public static Task<GroupInfoAck> GroupInfoAsync(this ImClient client, ulong gid) =>
        AskAsync(client, Cmd.GroupInfo, new GroupInfo { Gid = gid }, GroupInfoAck.Parser);

    public static async Task<uint> SetGroupInfoAsync(this ImClient client, ulong gid, string? name, string? desc)
    {
        var request = new GroupSetInfo { Uid = client.Uid, Gid = gid };
        if (name is not null)
        {
            request.Name = name;
        }

        if (desc is not null)
        {
            request.Desc = desc;
        }

        return (await AskAsync(client, Cmd.GroupSetInfo, request, GroupSetInfoAck.Parser)).Code;
    }

    public static async Task<uint> GroupRecallAsync(this ImClient client, ulong gid, ulong seq) =>
        (await AskAsync(client, Cmd.GroupRecall, new GroupRecall { Uid = client.Uid, Gid = gid, Seq = seq }, GroupRecallAck.Parser)).Code;

    public static async Task<uint> GroupTypingAsync(this ImClient client, ulong gid) =>
        (await AskAsync(client, Cmd.GroupTyping, new GroupTyping { Uid = client.Uid, Gid = gid }, GroupTypingAck.Parser)).Code;

    public static Task<RoomInfoAck> RoomInfoAsync(this ImClient client, ulong rid) =>
        AskAsync(client, Cmd.RoomInfo, new RoomInfo { Rid = rid }, RoomInfoAck.Parser);

    /// <summary>Subscribes to an optional push class; returns the code (0, or 20007 for no such class).</summary>
    public static async Task<uint> SubscribeAsync(this ImClient client, uint pushClass) =>
        (await AskAsync(client, Cmd.Sub, new Sub { Sub_ = pushClass }, SubAck.Parser)).Code;

    private static async Task<T> AskAsync<T>(ImClient client, uint cmd, IMessage request, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var frame = await client.RequestAsync(cmd, request);
        return frame.Type == cmd + 1 ? frame.As(parser) : throw new InvalidOperationException($"{CommandTable.NameOf(cmd)} was answered with {frame}");
    }
}
