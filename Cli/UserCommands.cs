using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Cli;

/// <summary>The protocol commands of one logged-in user: chat, sync, contacts, groups, rooms, and watching pushes.</summary>
public sealed class UserCommands(CliSession session, Output output, CliOptions options, bool live)
{
    private ulong Me => session.Uid;

    private readonly StateCommands _state = new(session, output, options);

    public async Task RunAsync(IReadOnlyList<string> words)
    {
        if (await _state.TryRunAsync(words))
        {
            return;
        }

        switch (words[0])
        {
            case "login":
                var ack = session.Ack;
                output.Result("online", $"logged in: uid {Me}, sid {ack.Sid}, inbox seq {ack.Seq}, heartbeat {ack.Heartbeat} s",
                    ("uid", Me), ("sid", ack.Sid), ("seq", ack.Seq), ("heartbeat", ack.Heartbeat));
                return;
            case "send":
                await SendAsync(Id(words, 1, "UID"), Text(words, 2));
                return;
            case "sync":
                await SyncAsync();
                return;
            case "friend":
                await FriendAsync(words);
                return;
            case "block" or "unblock" or "mute" or "unmute" or "mark" or "unmark":
                await ContactAsync(words);
                return;
            case "group":
                await GroupAsync(words);
                return;
            case "room":
                await RoomAsync(words);
                return;
            case "tail":
                await WatchAsync();
                return;
            default:
                throw new UsageException($"unknown command \"{words[0]}\" (im --help lists them)");
        }
    }

    private async Task SendAsync(ulong to, string text)
    {
        // The serial is the message id: the same one again is never stored twice (give --serial to retry).
        var serial = options.OptionalId("serial") ?? await session.NewSerialAsync();
        var ack = await session.AskAsync(Cmd.Chat, new Chat { Orig = Me, Dest = to, Level = 1, Time = Now(), Text = text }, ChatAck.Parser, serial);
        output.Result("sent", $"sent to {to}: seq {ack.Seq} (serial {serial})", ("to", to), ("seq", ack.Seq), ("serial", serial));
    }

    private async Task SyncAsync()
    {
        var request = new Sync { Uid = Me };
        if (options.Get("seq") is { } seq)
        {
            request.Seq = ulong.TryParse(seq, out var value) ? value : throw new UsageException("--seq must be an integer");
        }

        if (options.Get("group") is { } group)
        {
            // --group GID:SEQ[,GID:SEQ…] replays those groups after the given seq.
            foreach (var pair in group.Split(','))
            {
                var parts = pair.Split(':');
                request.Groups.Add(new GroupCursor { Gid = CliOptions.Id(parts[0], "--group gid"), Seq = parts.Length > 1 && ulong.TryParse(parts[1], out var s) ? s : 0 });
            }
        }

        var ack = await session.SyncAsync(request);
        if (!live)
        {
            // Replayed frames arrive before SYNC-ACK on the same connection.
            while (session.TryNextPush(out var frame))
            {
                output.Frame(frame);
            }
        }

        var trimmed = ack.Trimmed ? " (older entries were removed by retention)" : "";
        output.Result("synced", $"synced: {ack.Count} frames, inbox seq {ack.Seq}{trimmed}", ("count", ack.Count), ("seq", ack.Seq), ("trimmed", ack.Trimmed));
    }

    private async Task FriendAsync(IReadOnlyList<string> words)
    {
        var verb = Word(words, 1, "add|del");
        var uid = Id(words, 2, "UID");
        if (verb == "add")
        {
            await session.AskAsync(Cmd.FriendAdd, new FriendAdd { Orig = Me, Dest = uid, Mark = words.Count > 3 ? Text(words, 3) : "" }, FriendAddAck.Parser);
        }
        else if (verb == "del")
        {
            await session.AskAsync(Cmd.FriendDel, new FriendDel { Orig = Me, Dest = uid }, FriendDelAck.Parser);
        }
        else
        {
            throw new UsageException("friend add UID [REMARK] | friend del UID");
        }

        output.Result("ok", $"friend {verb} {uid}: ok", ("command", $"friend {verb}"), ("uid", uid));
    }

    private async Task ContactAsync(IReadOnlyList<string> words)
    {
        var uid = Id(words, 1, "UID");
        _ = words[0] switch
        {
            "block" => (object)await session.AskAsync(Cmd.BlacklistAdd, new BlacklistAdd { Orig = Me, Dest = uid }, BlacklistAddAck.Parser),
            "unblock" => await session.AskAsync(Cmd.BlacklistDel, new BlacklistDel { Orig = Me, Dest = uid }, BlacklistDelAck.Parser),
            "mute" => await session.AskAsync(Cmd.GagAdd, new GagAdd { Orig = Me, Dest = uid }, GagAddAck.Parser),
            "unmute" => await session.AskAsync(Cmd.GagDel, new GagDel { Orig = Me, Dest = uid }, GagDelAck.Parser),
            "mark" => await session.AskAsync(Cmd.MarkAdd, new MarkAdd { Orig = Me, Dest = uid, Mark = Text(words, 2) }, MarkAddAck.Parser),
            _ => await session.AskAsync(Cmd.MarkDel, new MarkDel { Orig = Me, Dest = uid }, MarkDelAck.Parser),
        };
        output.Result("ok", $"{words[0]} {uid}: ok", ("command", words[0]), ("uid", uid));
    }

    private async Task GroupAsync(IReadOnlyList<string> words)
    {
        var verb = Word(words, 1, "create|join|quit|dismiss|invite|send|members|kick|ban|unban|gag|ungag|appoint|demote");
        if (verb == "create")
        {
            var created = await session.AskAsync(Cmd.GroupCreat, new GroupCreat { Uid = Me, Gid = options.OptionalId("gid") ?? 0, Name = Text(words, 2), Desc = options.Get("desc") ?? "" }, GroupCreatAck.Parser);
            output.Result("group", $"created group {created.Gid}", ("gid", created.Gid));
            return;
        }

        var gid = Id(words, 2, "GID");
        switch (verb)
        {
            case "join":
                await session.AskAsync(Cmd.GroupJoin, new GroupJoin { Uid = Me, Gid = gid }, GroupJoinAck.Parser);
                break;
            case "quit":
                await session.AskAsync(Cmd.GroupQuit, new GroupQuit { Uid = Me, Gid = gid }, GroupQuitAck.Parser);
                break;
            case "dismiss":
                await session.AskAsync(Cmd.GroupDimiss, new GroupDimiss { Uid = Me, Gid = gid }, GroupDimissAck.Parser);
                break;
            case "invite":
                await session.AskAsync(Cmd.GroupInvite, new GroupInvite { Uid = Me, Gid = gid, To = Id(words, 3, "UID") }, GroupInviteAck.Parser);
                break;
            case "send":
                var serial = options.OptionalId("serial") ?? await session.NewSerialAsync();
                var sent = await session.AskAsync(Cmd.GroupChat, new GroupChat { Uid = Me, Gid = gid, Level = 1, Time = Now(), Text = Text(words, 3) }, GroupChatAck.Parser, serial);
                output.Result("sent", $"sent to group {gid}: seq {sent.Seq} (serial {serial})", ("gid", gid), ("seq", sent.Seq), ("serial", serial));
                return;
            case "members":
                var list = await session.AskAsync(Cmd.GroupUsrList, new GroupUsrList { Gid = gid, Num = 0 }, GroupUsrListAck.Parser);
                output.Result("members", $"group {gid} ({list.Total} members): {list.List}", ("gid", gid), ("total", list.Total),
                    ("members", System.Text.Json.JsonDocument.Parse(list.List).RootElement));
                return;
            default:
                await MemberActionAsync(verb, gid, Id(words, 3, "UID"));
                break;
        }

        output.Result("ok", $"group {verb} {gid}: ok", ("command", $"group {verb}"), ("gid", gid));
    }

    private Task MemberActionAsync(string verb, ulong gid, ulong uid) => verb switch
    {
        "kick" => session.AskAsync(Cmd.GroupKick, new GroupKick { Uid = uid, Gid = gid }, GroupKickAck.Parser),
        "ban" => session.AskAsync(Cmd.GroupBlAdd, new GroupBlAdd { Uid = uid, Gid = gid }, GroupBlAddAck.Parser),
        "unban" => session.AskAsync(Cmd.GroupBlDel, new GroupBlDel { Uid = uid, Gid = gid }, GroupBlDelAck.Parser),
        "gag" => session.AskAsync(Cmd.GroupGagAdd, new GroupGagAdd { Uid = uid, Gid = gid }, GroupGagAddAck.Parser),
        "ungag" => session.AskAsync(Cmd.GroupGagDel, new GroupGagDel { Uid = uid, Gid = gid }, GroupGagDelAck.Parser),
        "appoint" => session.AskAsync(Cmd.GroupMgrAdd, new GroupMgrAdd { Uid = uid, Gid = gid }, GroupMgrAddAck.Parser),
        "demote" => session.AskAsync(Cmd.GroupMgrDel, new GroupMgrDel { Uid = uid, Gid = gid }, GroupMgrDelAck.Parser),
        _ => throw new UsageException($"unknown group command \"{verb}\""),
    };

    private async Task RoomAsync(IReadOnlyList<string> words)
    {
        var verb = Word(words, 1, "create|join|quit|send|bc|kick|count|watch|dismiss");
        if (verb == "create")
        {
            var created = await session.AskAsync(Cmd.RoomCreat, new RoomCreat { Uid = Me, Rid = options.OptionalId("rid") ?? 0, Name = Text(words, 2), Desc = options.Get("desc") ?? "" }, RoomCreatAck.Parser);
            output.Result("room", $"created room {created.Rid}", ("rid", created.Rid));
            return;
        }

        var rid = Id(words, 2, "RID");
        switch (verb)
        {
            case "join":
                var bucket = await session.EnsureInRoomAsync(rid);
                output.Result("joined", $"joined room {rid} (bucket {bucket})", ("rid", rid), ("bucket", bucket));
                return;
            case "quit":
                await session.AskAsync(Cmd.RoomQuit, new RoomQuit { Uid = Me, Rid = rid }, RoomQuitAck.Parser);
                session.Rooms.Remove(rid);
                break;
            case "send":
                var gid = await session.EnsureInRoomAsync(rid);
                await session.AskAsync(Cmd.RoomChat, new RoomChat { Uid = Me, Rid = rid, Gid = gid, Level = 1, Time = Now(), Text = Text(words, 3) }, RoomChatAck.Parser);
                break;
            case "bc":
                var expire = (uint)options.Int("expire", null, 60);
                await session.AskAsync(Cmd.RoomBc, new RoomBc { Rid = rid, Level = 1, Time = Now(), Expire = expire, Data = Google.Protobuf.ByteString.CopyFromUtf8(Text(words, 3)) }, RoomBcAck.Parser);
                break;
            case "kick":
                await session.AskAsync(Cmd.RoomKick, new RoomKick { Uid = Id(words, 3, "UID"), Rid = rid }, RoomKickAck.Parser);
                break;
            case "dismiss":
                await session.AskAsync(Cmd.RoomDismiss, new RoomDismiss { Uid = Me, Rid = rid }, RoomDismissAck.Parser);
                break;
            case "count":
                var count = await session.AskAsync(Cmd.RoomUsrNum, new RoomUsrNum { Rid = rid, Num = 0 }, RoomUsrNumAck.Parser);
                output.Result("count", $"room {rid}: {count.Num} here", ("rid", rid), ("num", count.Num));
                return;
            case "watch":
                await session.EnsureInRoomAsync(rid);
                foreach (var push in new uint[] { Cmd.RoomUsrNum, Cmd.RoomJoinNtc, Cmd.RoomQuitNtc })
                {
                    await session.AskAsync(Cmd.Sub, new Sub { Sub_ = push }, SubAck.Parser);
                }

                await WatchAsync();
                return;
            default:
                throw new UsageException($"unknown room command \"{verb}\"");
        }

        output.Result("ok", $"room {verb} {rid}: ok", ("command", $"room {verb}"), ("rid", rid));
    }

    /// <summary>Prints pushes until --count frames, --seconds, or the connection closes.</summary>
    public async Task WatchAsync()
    {
        var count = options.Int("count", null, 0);
        var seconds = options.Int("seconds", null, 0);
        var deadline = seconds > 0 ? DateTime.UtcNow.AddSeconds(seconds) : DateTime.MaxValue;
        output.Result("watching", $"watching as {Me} (sid {session.Ack.Sid}); Ctrl-C stops", ("uid", Me), ("sid", session.Ack.Sid));
        for (var seen = 0; count == 0 || seen < count;)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            var frame = await session.NextPushAsync(left > TimeSpan.FromDays(1) ? Timeout.InfiniteTimeSpan : left, CancellationToken.None);
            if (frame is null)
            {
                if (session.Closed)
                {
                    throw new ConnectionException("the server closed the connection");
                }

                return;
            }

            if (frame.Type == Cmd.Pong)
            {
                continue;
            }

            output.Frame(frame);
            seen++;
        }
    }

    private static ulong Now() => (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static ulong Id(IReadOnlyList<string> words, int index, string what) =>
        index < words.Count ? CliOptions.Id(words[index], what) : throw new UsageException($"{string.Join(' ', words.Take(index))}: {what} missing");

    private static string Word(IReadOnlyList<string> words, int index, string choices) =>
        index < words.Count ? words[index] : throw new UsageException($"{words[0]} needs one of: {choices}");

    private static string Text(IReadOnlyList<string> words, int from) =>
        from < words.Count ? string.Join(' ', words.Skip(from)) : throw new UsageException($"{string.Join(' ', words)}: text missing");
}
