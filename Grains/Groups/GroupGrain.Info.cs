using Google.Protobuf;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Storage;
using OrleansIm.Grains.Users;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Groups;

/// <summary>A group's info and its change, its latest message for conversation lists, GROUP-RECALL and GROUP-TYPING.</summary>
public sealed partial class GroupGrain
{
    private LastMessage? _last;
    private Task? _loadingLast;

    public async Task<GroupSummary> Summarize(ulong uid)
    {
        if (!S.Exists || !S.Members.Contains(uid))
        {
            return new GroupSummary("", "", 0, 0, 0, "", _head);
        }

        while (_last is null)
        {
            await (_loadingLast ??= LoadLastAsync());
        }

        var last = _last.Value;
        return new GroupSummary(S.Name, RoleOf(uid), last.Seq, last.Sender, last.Time, last.Preview, _head);
    }

    public Task<GroupInfoResult> GetInfo(ulong caller)
    {
        var refusal = !S.Exists ? ResultCode.NotFound
            : !S.Members.Contains(caller) && !_options.InfoForNonMembers ? ResultCode.NotMember
            : ResultCode.Ok;
        return Task.FromResult(refusal != ResultCode.Ok
            ? new GroupInfoResult(refusal, "", "", 0, 0, 0, "", 0)
            : new GroupInfoResult(ResultCode.Ok, S.Name, S.Desc, S.Owner, (uint)S.Members.Count, S.Created, S.Members.Contains(caller) ? RoleOf(caller) : "", _head));
    }

    public async Task<uint> SetInfo(ulong caller, string? name, string? desc)
    {
        var refusal = !S.Exists ? ResultCode.NotFound
            : !S.Members.Contains(caller) ? ResultCode.NotMember
            : caller != S.Owner && !S.Managers.Contains(caller) ? ResultCode.PermissionDenied
            : (name is null && desc is null) || name?.Length == 0 ? ResultCode.InvalidParameter
            : ResultCode.Ok;
        if (refusal != ResultCode.Ok)
        {
            return refusal;
        }

        await ChangeStateAsync(s =>
        {
            s.Name = name ?? s.Name;
            s.Desc = desc ?? s.Desc;
        });

        var notice = new GroupInfoNtc { Uid = caller, Gid = Gid };
        if (name is not null)
        {
            notice.Name = name;
        }

        if (desc is not null)
        {
            notice.Desc = desc;
        }

        await AppendAsync(Cmd.GroupInfoNtc, 0, 0, notice.ToByteArray(), except: null);
        return ResultCode.Ok;
    }

    public async Task<uint> Recall(ulong caller, ulong seq)
    {
        if (!S.Exists)
        {
            return ResultCode.NotFound;
        }

        if (!S.Members.Contains(caller))
        {
            return ResultCode.NotMember;
        }

        var entry = seq == 0 || seq > _head ? null : await store.GetEntryAsync(LogKind.Group, Gid, seq);
        if (entry is null)
        {
            return ResultCode.NotFound;
        }

        if (entry.Cmd != Cmd.GroupChat)
        {
            return ResultCode.InvalidParameter;
        }

        bool moderator = caller == S.Owner || S.Managers.Contains(caller);
        if (entry.Orig != caller && !moderator)
        {
            return ResultCode.PermissionDenied;
        }

        var chat = GroupChat.Parser.ParseFrom(entry.Body);
        if (chat.Recalled)
        {
            return ResultCode.AlreadyExists;
        }

        if (!moderator && time.GetUtcNow() - entry.Created > chatOptions.Value.RecallWindow)
        {
            return ResultCode.TooLate;
        }

        var tombstone = new GroupChat { Uid = chat.Uid, Gid = chat.Gid, Level = chat.Level, Time = chat.Time, Text = "", Recalled = true };
        await store.ReplaceBodyAsync(LogKind.Group, Gid, seq, tombstone.ToByteArray());
        if (_last is { } last && last.Seq == seq)
        {
            _last = last with { Preview = "" };
        }

        await AppendAsync(Cmd.GroupRecallNtc, 0, 0, new GroupRecallNtc { Uid = caller, Gid = Gid, Seq = seq }.ToByteArray(), except: null);
        return ResultCode.Ok;
    }

    public Task<uint> Typing(ulong uid, SessionAddress source)
    {
        var refusal = !S.Exists ? ResultCode.NotFound
            : !S.Members.Contains(uid) ? ResultCode.NotMember
            : S.Gagged.Contains(uid) ? ResultCode.Gagged
            : ResultCode.Ok;
        if (refusal == ResultCode.Ok)
        {
            var notice = new GroupTypingNtc { Uid = uid, Gid = Gid };
            Deliver(FrameWriter.Encode(Cmd.GroupTypingNtc, FrameHeader.FlagSystem, 0, 0, 0, notice), except: source, pushClass: Cmd.GroupTypingNtc);
        }

        return Task.FromResult(refusal);
    }

    private string RoleOf(ulong uid) => uid == S.Owner ? "owner" : S.Managers.Contains(uid) ? "manager" : "member";

    private void NoteMessage(LastMessage message)
    {
        if (_last is not { } current || message.Seq > current.Seq)
        {
            _last = message;
        }
    }

    private async Task LoadLastAsync()
    {
        try
        {
            var stored = await store.LastGroupMessageAsync(Gid);
            NoteMessage(stored is null
                ? new LastMessage(0, 0, 0, "")
                : new LastMessage(stored.Seq, stored.Orig, (ulong)stored.Created.ToUnixTimeMilliseconds(), Previews.OfGroupChat(stored.Body)));
        }
        finally
        {
            _loadingLast = null;
        }
    }

    /// <summary>The group's latest message: seq, sender, when it was stored (ms since the epoch), first characters.</summary>
    private readonly record struct LastMessage(ulong Seq, ulong Sender, ulong Time, string Preview);
}
