using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Cli;

/// <summary>
/// The account state the server keeps for a user: contacts, conversations with unread counts, read positions,
/// recall, presence, receipts, and group and room info.
/// </summary>
public sealed class StateCommands(CliSession session, Output output, CliOptions options)
{
    private ulong Me => session.Uid;

    /// <summary>Runs <paramref name="words"/> if it is one of these commands; false otherwise.</summary>
    public async Task<bool> TryRunAsync(IReadOnlyList<string> words)
    {
        switch (words[0])
        {
            case "contacts":
                await ContactsAsync();
                return true;
            case "conversations":
                await ConversationsAsync();
                return true;
            case "read":
                await ReadAsync(words);
                return true;
            case "recall":
                await RecallAsync(words);
                return true;
            case "presence":
                await PresenceAsync(words);
                return true;
            case "receipts":
                await ReceiptsAsync(words);
                return true;
            case "group" when words.Count > 1 && words[1] == "info":
                await GroupInfoAsync(Id(words, 2, "GID"));
                return true;
            case "room" when words.Count > 1 && words[1] == "info":
                await RoomInfoAsync(Id(words, 2, "RID"));
                return true;
            default:
                return false;
        }
    }

    private async Task ContactsAsync()
    {
        var ack = await session.AskAsync(Cmd.Contacts, new Contacts { Uid = Me, Offset = (uint)options.Int("offset", null, 0), Num = (uint)options.Int("num", null, 0) }, ContactsAck.Parser);
        output.Result("contacts", $"contacts (version {ack.Version}, {ack.Total} in all):", ("version", ack.Version), ("total", ack.Total),
            ("contacts", ack.Contacts.Select(c => new { uid = c.Uid, relation = Relation(c), mark = c.HasMark ? c.Mark : null }).ToList()));
        if (!output.Json)
        {
            foreach (var c in ack.Contacts)
            {
                output.Result("contact", $"  {c.Uid}: {string.Join(", ", Relation(c))}{(c.HasMark ? $" \"{c.Mark}\"" : "")}");
            }
        }
    }

    private async Task ConversationsAsync()
    {
        var ack = await session.AskAsync(Cmd.Conversations, new Conversations { Uid = Me, Offset = (uint)options.Int("offset", null, 0), Num = (uint)options.Int("num", null, 0) }, ConversationsAck.Parser);
        output.Result("conversations", $"conversations ({ack.Total} in all), most recent first:", ("total", ack.Total),
            ("conversations", ack.Conversations.Select(c => new
            {
                kind = c.Kind == 1 ? "private" : "group", id = c.Id, name = c.Name, role = c.Role, last_seq = c.LastSeq,
                last_sender = c.LastSender, last_time = c.LastTime, preview = c.Preview, read_seq = c.ReadSeq, unread = c.Unread,
                peer_read_seq = c.PeerReadSeq,
            }).ToList()));
        if (!output.Json)
        {
            foreach (var c in ack.Conversations)
            {
                var who = c.Kind == 1 ? $"with {c.Id}" : $"group {c.Id} \"{c.Name}\" ({c.Role})";
                var last = c.LastSeq == 0 ? "no messages" : $"{c.LastSender}: \"{c.Preview}\" (seq {c.LastSeq})";
                var theirs = c.HasPeerReadSeq ? $"; they read up to {c.PeerReadSeq}" : "";
                output.Result("conversation", $"  {who}: {c.Unread} unread, read up to {c.ReadSeq}{theirs}; last {last}");
            }
        }
    }

    /// <summary>read UID SEQ | read group GID SEQ.</summary>
    private async Task ReadAsync(IReadOnlyList<string> words)
    {
        var (kind, id, seq) = words.Count > 1 && words[1] == "group" ? (2u, Id(words, 2, "GID"), Id(words, 3, "SEQ")) : (1u, Id(words, 1, "UID"), Id(words, 2, "SEQ"));
        var ack = await session.AskAsync(Cmd.Read, new Read { Uid = Me, Kind = kind, Id = id, Seq = seq }, ReadAck.Parser);
        output.Result("read", $"read up to {seq}: {ack.Unread} unread", ("kind", kind), ("id", id), ("seq", seq), ("unread", ack.Unread));
    }

    /// <summary>recall UID SEQ | recall group GID SEQ.</summary>
    private async Task RecallAsync(IReadOnlyList<string> words)
    {
        if (words.Count > 1 && words[1] == "group")
        {
            var (gid, groupSeq) = (Id(words, 2, "GID"), Id(words, 3, "SEQ"));
            await session.AskAsync(Cmd.GroupRecall, new GroupRecall { Uid = Me, Gid = gid, Seq = groupSeq }, GroupRecallAck.Parser);
            output.Result("recalled", $"recalled seq {groupSeq} of group {gid}", ("gid", gid), ("seq", groupSeq));
            return;
        }

        var (to, seq) = (Id(words, 1, "UID"), Id(words, 2, "SEQ"));
        await session.AskAsync(Cmd.Recall, new Recall { Orig = Me, Dest = to, Seq = seq }, RecallAck.Parser);
        output.Result("recalled", $"recalled seq {seq} (to {to})", ("to", to), ("seq", seq));
    }

    private async Task PresenceAsync(IReadOnlyList<string> words)
    {
        var request = new Presence { Uid = Me };
        for (int i = 1; i < words.Count; i++)
        {
            request.Uids.Add(CliOptions.Id(words[i], "UID"));
        }

        if (request.Uids.Count == 0)
        {
            throw new UsageException("presence UID [UID …]");
        }

        var ack = await session.AskAsync(Cmd.Presence, request, PresenceAck.Parser);
        foreach (var user in ack.Users)
        {
            var text = user.Online ? $"{user.Uid}: online" : user.LastSeen == 0 ? $"{user.Uid}: never seen" : $"{user.Uid}: last seen {DateTimeOffset.FromUnixTimeMilliseconds((long)user.LastSeen):u}";
            output.Result("presence", text, ("uid", user.Uid), ("online", user.Online), ("last_seen", user.LastSeen));
        }
    }

    /// <summary>receipts [on|off]: shows or sets whether this user sends read and delivered receipts.</summary>
    private async Task ReceiptsAsync(IReadOnlyList<string> words)
    {
        var request = new Prefs { Uid = Me };
        if (words.Count > 1)
        {
            request.Receipts = words[1] switch
            {
                "on" => true,
                "off" => false,
                _ => throw new UsageException("receipts [on|off]"),
            };
        }

        var ack = await session.AskAsync(Cmd.Prefs, request, PrefsAck.Parser);
        output.Result("receipts", $"receipts {(ack.Receipts ? "on" : "off")}", ("receipts", ack.Receipts));
    }

    private async Task GroupInfoAsync(ulong gid)
    {
        var info = await session.AskAsync(Cmd.GroupInfo, new GroupInfo { Gid = gid }, GroupInfoAck.Parser);
        var role = info.Role.Length > 0 ? $", you are {info.Role}" : ", you are not a member";
        output.Result("group", $"group {gid} \"{info.Name}\": {info.Desc}; owner {info.Owner}, {info.Members} members{role}; created {DateTimeOffset.FromUnixTimeMilliseconds((long)info.Created):u}",
            ("gid", gid), ("name", info.Name), ("desc", info.Desc), ("owner", info.Owner), ("members", info.Members), ("created", info.Created), ("role", info.Role), ("seq", info.Seq));
    }

    private async Task RoomInfoAsync(ulong rid)
    {
        var info = await session.AskAsync(Cmd.RoomInfo, new RoomInfo { Rid = rid }, RoomInfoAck.Parser);
        output.Result("room", $"room {rid} \"{info.Name}\": {info.Desc}; owner {info.Owner}, {info.Num} here",
            ("rid", rid), ("name", info.Name), ("desc", info.Desc), ("owner", info.Owner), ("num", info.Num));
    }

    private static List<string> Relation(Contact c)
    {
        var relation = new List<string>();
        if (c.Friend)
        {
            relation.Add("friend");
        }

        if (c.RequestIn)
        {
            relation.Add("asked you");
        }

        if (c.RequestOut)
        {
            relation.Add("you asked");
        }

        if (c.Blacklisted)
        {
            relation.Add("blocked");
        }

        if (c.Gagged)
        {
            relation.Add("muted");
        }

        return relation;
    }

    private static ulong Id(IReadOnlyList<string> words, int index, string what) =>
        index < words.Count ? CliOptions.Id(words[index], what) : throw new UsageException($"{string.Join(' ', words.Take(index))}: {what} missing");
}
