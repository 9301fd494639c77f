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
/// Private chat and the inbox: CHAT (stored, then ACKed, then pushed), receiver CHAT-ACK, ALLOC-SEQ and SYNC.
/// A CHAT goes to the receiver's grain, which commits both inboxes' rows together (batched per receiver, see ChatSends); no grain waits on another.
/// </summary>
public sealed class ChatCommands(IGrainRefs refs, IOptions<GatewayOptions> options, Moderator moderator, [FromKeyedServices(ImClock.Key)] TimeProvider time) : ICommandModule
{
    private readonly GatewayOptions _options = options.Value;

    public void Register(CommandRouter router)
    {
        router.OnOrdered<Chat>(Cmd.Chat, Cmd.ChatAck, static r => Lane.User(r.Dest), (r, code) => ChatAck(r, code, 0), OnChatAsync);
        router.On<ChatAck>(Cmd.ChatAck, 0, static _ => Lane.Self, null, OnReceiverAck);
        router.On<AllocSeq>(Cmd.AllocSeq, Cmd.AllocSeqAck, static _ => Lane.Self, (r, code) => AllocAck(r, 0, code), OnAllocSeqAsync);
        router.On<Sync>(Cmd.Sync, Cmd.SyncAck, static _ => Lane.Self, (r, code) => SyncAck(r.Uid, code, 0, 0), OnSyncAsync);
        router.On<Recall>(Cmd.Recall, Cmd.RecallAck, static r => Lane.User(r.Dest), (_, code) => CodeAck<RecallAck>.Create(code), OnRecallAsync);
        router.On<Typing>(Cmd.Typing, Cmd.TypingAck, static r => Lane.User(r.Dest), (_, code) => CodeAck<TypingAck>.Create(code), OnTyping);
    }

    private async ValueTask OnChatAsync(ImConnection connection, FrameHeader header, Chat request, CallOrder order)
    {
        var code = Identity.CheckPair(connection, request.Orig, request.Dest);
        if (code == ResultCode.Ok && Identity.TooLong(request.Text, _options.MaxTextBytes))
        {
            code = ResultCode.InvalidParameter;
        }

        var reviewed = code == ResultCode.Ok && moderator.Checks(ModeratedCommand.Chat);
        if (reviewed)
        {
            code = await moderator.ReviewAsync(ModeratedCommand.Chat, request.Orig, request.Dest, header.Serial, request.Text, text => request.Text = text);
        }

        if (code != ResultCode.Ok)
        {
            connection.Reply(header, Cmd.ChatAck, ChatAck(request, code, 0));
            return;
        }

        // The header serial is the sender's message id: (orig, serial) is stored once, however often the client
        // retries. The receiver's grain checks its lists and commits both inbox rows together; the message goes in
        // the session's next batch to that receiver (at once when none is in flight), which also tells the sender's
        // grain what was stored. A reviewed message may be issued out of send order (its review awaited), so it goes
        // alone, with its own place in the order.
        var body = request.ToByteArray();
        var session = connection.Session!;
        if (reviewed)
        {
            var delivery = await User(request.Dest).ReceiveChat(request.Orig, header.Serial, body, order);
            Answer(connection, header, request, delivery);
            if (delivery is { Code: ResultCode.Ok, Stored: true })
            {
                User(request.Orig).OnAppended(Cmd.Chat, delivery.SenderSeq, session.Sid, body).Ignore();
            }

            return;
        }

        var sends = session.ChatSends ??= new ChatSends(refs, session.Uid, session.Sid);
        Answer(connection, header, request, await sends.SendAsync(request.Dest, header.Serial, body, order));
    }

    private static void Answer(ImConnection connection, in FrameHeader header, Chat request, ChatDelivery delivery) =>
        connection.Reply(header, Cmd.ChatAck, ChatAck(request, delivery.Code, delivery.SenderSeq));

    private async ValueTask OnRecallAsync(ImConnection connection, FrameHeader header, Recall request)
    {
        var code = Identity.CheckPair(connection, request.Orig, request.Dest);
        if (code == ResultCode.Ok)
        {
            // The sender's grain checks and puts the tombstone in; the receiver's stores the notice in both inboxes,
            // as it stores a CHAT; the sender's other devices get their copy after.
            var plan = await User(request.Orig).PrepareRecall(request.Dest, request.Seq);
            code = plan.Code;
            if (code == ResultCode.Ok)
            {
                var senderSeq = await User(request.Dest).ReceiveRecall(request.Orig, plan.DestSeq != 0, plan.Notice);
                User(request.Orig).OnAppended(Cmd.RecallNtc, senderSeq, connection.Session!.Sid, plan.Notice).Ignore();
            }
        }

        connection.Reply(header, Cmd.RecallAck, CodeAck<RecallAck>.Create(code));
    }

    private ValueTask OnTyping(ImConnection connection, FrameHeader header, Typing request)
    {
        var code = Identity.CheckPair(connection, request.Orig, request.Dest);
        if (code == ResultCode.Ok && !connection.Session!.TryType(request.Dest, time, _options.TypingInterval))
        {
            code = ResultCode.RateLimited;
        }

        if (code == ResultCode.Ok)
        {
            User(request.Dest).OnTyping(request.Orig).Ignore();
        }

        connection.Reply(header, Cmd.TypingAck, CodeAck<TypingAck>.Create(code));
        return default;
    }

    private ValueTask OnReceiverAck(ImConnection connection, FrameHeader header, ChatAck request)
    {
        // No reply: the header serial is the delivered seq the client now holds.
        User(connection.Session!.Uid).AdvanceCursor(header.Serial).Ignore();
        return default;
    }

    private async ValueTask OnAllocSeqAsync(ImConnection connection, FrameHeader header, AllocSeq request)
    {
        var code = Identity.CheckSelf(connection, request.Uid);
        if (code == ResultCode.Ok && (request.Num == 0 || request.Num > _options.MaxAllocSeq))
        {
            code = ResultCode.InvalidParameter;
        }

        if (code != ResultCode.Ok)
        {
            connection.Reply(header, Cmd.AllocSeqAck, AllocAck(request, 0, code));
            return;
        }

        var before = await User(request.Uid).AllocateSerials(request.Num);
        connection.Reply(header, Cmd.AllocSeqAck, AllocAck(request, before, ResultCode.Ok));
    }

    private async ValueTask OnSyncAsync(ImConnection connection, FrameHeader header, Sync request)
    {
        var code = Identity.CheckSelf(connection, request.Uid);
        if (code != ResultCode.Ok)
        {
            connection.Reply(header, Cmd.SyncAck, SyncAck(request.Uid, code, 0, 0));
            return;
        }

        var user = User(request.Uid);
        var position = await user.GetSyncPosition();
        var inbox = await ReplayAsync(connection, request.HasSeq ? request.Seq : position.Cursor, (after, max) => user.ReadInbox(after, max));
        if (inbox is null)
        {
            return;
        }

        uint count = inbox.Value.Count;
        var trimmed = inbox.Value.Trimmed || (inbox.Value.Count == 0 && position.Head > (request.HasSeq ? request.Seq : position.Cursor));
        var given = new Dictionary<ulong, ulong>();
        foreach (var cursor in request.Groups)
        {
            given[cursor.Gid] = cursor.Seq;
        }

        foreach (var (gid, stored) in (await user.GetGroupCursors()).OrderBy(g => g.Key))
        {
            var group = refs.Group(gid);
            var replayed = await ReplayAsync(connection, given.GetValueOrDefault(gid, stored), (after, max) => group.ReadLog(request.Uid, after, max));
            if (replayed is null)
            {
                return;
            }

            count += replayed.Value.Count;
            trimmed |= replayed.Value.Trimmed;
            if (replayed.Value.Last > stored)
            {
                await user.SetGroupCursor(gid, replayed.Value.Last);
            }
        }

        var ack = SyncAck(request.Uid, ResultCode.Ok, Math.Max(position.Head, inbox.Value.Last), count);
        if (trimmed)
        {
            ack.Trimmed = true;
        }

        connection.Reply(header, Cmd.SyncAck, ack);
    }

    /// <summary>
    /// Streams a log after <paramref name="after"/> page by page through the outbound queue (a large backlog is
    /// never built whole). Returns the last seq sent, how many, and whether some were missing (seqs are dense, so a
    /// gap is what retention removed); or null if the connection closed meanwhile.
    /// </summary>
    private async Task<(ulong Last, uint Count, bool Trimmed)?> ReplayAsync(ImConnection connection, ulong after, Func<ulong, int, Task<IReadOnlyList<LogEntry>>> read)
    {
        uint count = 0;
        var trimmed = false;
        while (true)
        {
            var page = await read(after, _options.SyncPageSize);
            foreach (var entry in page)
            {
                trimmed |= entry.Seq > after + 1;
                if (!await connection.PostReplayAsync(OutboundFrame.Shared(FrameWriter.EncodeRaw(entry.Cmd, FrameHeader.FlagSystem, 0, 0, entry.Seq, entry.Body))))
                {
                    return null;
                }

                after = entry.Seq;
                count++;
            }

            if (page.Count < _options.SyncPageSize)
            {
                return (after, count, trimmed);
            }
        }
    }

    private IUserGrain User(ulong uid) => refs.User(uid);

    private static ChatAck ChatAck(Chat request, uint code, ulong seq)
    {
        var ack = new ChatAck { Orig = request.Orig, Dest = request.Dest, Code = code, Errmsg = ResultCode.Message(code) };
        if (code == ResultCode.Ok)
        {
            ack.Seq = seq;
        }

        return ack;
    }

    private static AllocSeqAck AllocAck(AllocSeq request, ulong before, uint code) =>
        new() { Uid = request.Uid, Seq = before, Num = code == ResultCode.Ok ? request.Num : 0, Code = code, Errmsg = ResultCode.Message(code) };

    private static SyncAck SyncAck(ulong uid, uint code, ulong seq, uint count) =>
        new() { Uid = uid, Code = code, Errmsg = ResultCode.Message(code), Seq = seq, Count = count };
}
