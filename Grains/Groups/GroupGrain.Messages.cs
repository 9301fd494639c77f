using System.Text.Json;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Ordering;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;

namespace OrleansIm.Grains.Groups;

/// <summary>GROUP-CHAT, the log as SYNC reads it, and GROUP-USR-LIST.</summary>
public sealed partial class GroupGrain
{
    private CallSequencer? _order;

    public async Task<GroupChatResult> Chat(ulong uid, ulong serial, SessionAddress source, byte[] body, CallOrder order)
    {
        if (order.Index != 0 && (_order ??= new CallSequencer(this, floors, ordering.Value)).Enter(order) is { } turn)
        {
            await turn;
            _order.Resume(order);
        }

        var refusal = !S.Exists ? ResultCode.NotFound
            : !S.Members.Contains(uid) ? ResultCode.NotMember
            : S.Gagged.Contains(uid) ? ResultCode.Gagged
            : ResultCode.Ok;
        if (refusal != ResultCode.Ok)
        {
            return new GroupChatResult(refusal, 0);
        }

        // The store numbers a log's appends in the order they are made: the message takes its seq here, before the
        // commit, so the messages that follow it are appended meanwhile and committed with it. Stored once per
        // (uid, serial): a retry gets the first seq back and is not delivered again.
        var appended = await AppendAsync(Cmd.GroupChat, uid, serial, body, source);
        return new GroupChatResult(ResultCode.Ok, appended.Seq);
    }

    public async Task<IReadOnlyList<LogEntry>> ReadLog(ulong uid, ulong afterSeq, int max) =>
        S.Exists && S.Members.Contains(uid)
            ? await store.ReadAsync(LogKind.Group, Gid, afterSeq, Math.Clamp(max, 1, _options.MaxLogPage))
            : [];

    public Task<GroupMemberPage> DescribeMembers() => ListMembers(S.Owner, 0, 0);

    public Task<GroupMemberPage> ListMembers(ulong caller, uint offset, uint num)
    {
        if (!S.Exists)
        {
            return Task.FromResult(new GroupMemberPage(ResultCode.NotFound, "[]", 0));
        }

        if (!S.Members.Contains(caller))
        {
            return Task.FromResult(new GroupMemberPage(ResultCode.NotMember, "[]", 0));
        }

        var page = S.Members.Order().Skip((int)Math.Min(offset, int.MaxValue));
        if (num > 0)
        {
            page = page.Take((int)Math.Min(num, int.MaxValue));
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var uid in page)
            {
                json.WriteStartObject();
                json.WriteNumber("uid", uid);
                json.WriteString("role", uid == S.Owner ? "owner" : S.Managers.Contains(uid) ? "manager" : "member");
                json.WriteBoolean("gag", S.Gagged.Contains(uid));
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Task.FromResult(new GroupMemberPage(ResultCode.Ok, System.Text.Encoding.UTF8.GetString(buffer.ToArray()), (uint)S.Members.Count));
    }
}
