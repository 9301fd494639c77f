using Microsoft.Extensions.Logging;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Ordering;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;

namespace OrleansIm.Grains.Users;

/// <summary>The inbox: private messages both ways, relays, serial blocks, the delivery cursor and sync reads.</summary>
public sealed partial class UserGrain
{
    private ulong _head;
    private ulong _persistedCursor;
    private IGrainTimer? _cursorFlush;

    private CallSequencer? _order;
    private IssueOrder<InboxPush>? _pushes;

    /// <summary>One CHAT, as a batch of one (the gateway sends a CHAT that moderation reviewed this way).</summary>
    public async Task<ChatDelivery> ReceiveChat(ulong orig, ulong serial, byte[] chatBody, CallOrder order) =>
        (await ReceiveChats(new ChatBatch(orig, [serial], [chatBody], order)))[0];

    public async Task<ChatDelivery[]> ReceiveChats(ChatBatch batch)
    {
        // The batch takes its seqs in the appends below, in one turn: it starts in its sender's order, as one call.
        var order = batch.Order;
        if (order.Index != 0 && (_order ??= new CallSequencer(this, floors, ordering.Value)).Enter(order) is { } turn)
        {
            await turn;
            _order.Resume(order);
        }

        var count = batch.Serials.Length;
        var results = new ChatDelivery[count];
        var orig = batch.Orig;
        if (state.State.Blacklist.Contains(orig))
        {
            Array.Fill(results, Blacklisted);
            return results;
        }

        // The batch is appended as one, numbered (and committed) in its order, all or none: a failure fails the call
        // (every message of it is answered as failed; a retry is stored once).
        // Gagged: the sender is not told, and nothing is kept for this user; the sender's own copy still is.
        bool gagged = state.State.Gagged.Contains(orig);
        var events = webhooks.Enabled ? EventsForChat(orig, gagged) : null;
        var entries = new InboxAppend[count];
        for (int i = 0; i < count; i++)
        {
            entries[i] = new InboxAppend(Cmd.Chat, orig, batch.Serials[i], batch.Bodies[i], gagged ? 0 : Uid, orig, Dest: Uid, events);
        }

        var appended = await AppendInboxAsync(entries);
        for (int i = 0; i < count; i++)
        {
            results[i] = new ChatDelivery(ResultCode.Ok, appended[i].SenderSeq, appended[i].Inserted);
        }

        return results;
    }

    private static readonly ChatDelivery Blacklisted = new(ResultCode.Blacklisted, 0, false);

    /// <summary>The webhook events of a CHAT from <paramref name="orig"/>: offline when no session of this user is online.</summary>
    private Events.MessageEvents? EventsForChat(ulong orig, bool gagged)
    {
        DropSessionsOfDeadSilos();
        return webhooks.ForPrivate(offline: !gagged && _sessions.Count == 0, state.State.ReadPeers.GetValueOrDefault(orig));
    }

    public Task OnAppended(uint cmd, ulong seq, ulong sourceSid, byte[] body)
    {
        _head = Math.Max(_head, seq);
        if (cmd == Cmd.Chat)
        {
            NoteSent(seq, body);
        }

        Push(new InboxPush(cmd, seq, body, sourceSid));
        return Task.CompletedTask;
    }

    public Task OnChatsSent(SentChats sent)
    {
        for (int i = 0; i < sent.Seqs.Length; i++)
        {
            OnAppended(Cmd.Chat, sent.Seqs[i], sent.SourceSid, sent.Bodies[i]);
        }

        return Task.CompletedTask;
    }

    public async Task<ulong> PushP2P(byte[] body)
    {
        return await AppendAsync(Cmd.P2P, 0, body);
    }

    public async Task<ulong> AllocateSerials(uint count)
    {
        var before = state.State.SerialHighWater;
        await ChangeStateAsync(s => s.SerialHighWater = checked(s.SerialHighWater + count));
        return before;
    }

    public Task<SyncPosition> GetSyncPosition() => Task.FromResult(new SyncPosition(_head, state.State.DeliveryCursor));

    public Task<IReadOnlyList<LogEntry>> ReadInbox(ulong afterSeq, int max) =>
        store.ReadAsync(LogKind.Inbox, Uid, afterSeq, Math.Clamp(max, 1, _options.MaxInboxPage));

    public Task AdvanceCursor(ulong seq)
    {
        seq = Math.Min(seq, _head);
        if (seq > state.State.DeliveryCursor)
        {
            state.State.DeliveryCursor = seq;
            CursorMoved();
        }

        return Task.CompletedTask;
    }

    /// <summary>Appends a relay or push to this inbox at its next seq and pushes it to the sessions; returns the seq.</summary>
    private async Task<ulong> AppendAsync(uint cmd, ulong orig, byte[] body) =>
        (await AppendInboxAsync(new InboxAppend(cmd, orig, 0, body, Uid))).ReceiverSeq;

    /// <summary>Appends one entry: <see cref="AppendInboxAsync(InboxAppend[])"/> of one.</summary>
    private async Task<InboxAppendResult> AppendInboxAsync(InboxAppend entry) => (await AppendInboxAsync([entry]))[0];

    /// <summary>
    /// Appends to this inbox (and the sender's, for a CHAT), the entries as one (all or none): the store numbers the
    /// rows in the order of these calls, and each new row is pushed to the sessions after the rows appended before
    /// it, whatever order the commits are learnt in. The head follows every commit at once.
    /// </summary>
    private async Task<InboxAppendResult[]> AppendInboxAsync(InboxAppend[] entries)
    {
        var pushes = _pushes ??= new IssueOrder<InboxPush>(Push);
        var tickets = new long[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            tickets[i] = pushes.Issue();
        }

        InboxAppendResult[] appended;
        try
        {
            appended = await store.AppendInboxBatchAsync(entries);
        }
        catch
        {
            foreach (var ticket in tickets)
            {
                pushes.Abandon(ticket);
            }

            throw;
        }

        for (int i = 0; i < entries.Length; i++)
        {
            var (entry, result) = (entries[i], appended[i]);
            var stored = result.Inserted && result.ReceiverSeq != 0;
            if (stored)
            {
                _head = Math.Max(_head, result.ReceiverSeq);
                if (entry.Cmd == Cmd.Chat)
                {
                    NoteReceived(entry.Orig, result.ReceiverSeq, entry.Body);
                }
            }

            pushes.Complete(tickets[i], stored ? new InboxPush(entry.Cmd, result.ReceiverSeq, entry.Body, 0) : null);
        }

        return appended;
    }

    private void Push(InboxPush push) =>
        Push(FrameWriter.EncodeRaw(push.Cmd, FrameHeader.FlagSystem, 0, 0, push.Seq, push.Body), push.ExceptSid);

    /// <summary>An inbox row to push to this user's sessions (but <see cref="ExceptSid"/>'s) once it is its turn.</summary>
    private readonly record struct InboxPush(uint Cmd, ulong Seq, byte[] Body, ulong ExceptSid);

    /// <summary>
    /// A cursor moved: it is written within the flush interval. The timer exists only while something is unwritten,
    /// so an idle user costs no timer.
    /// </summary>
    private void CursorMoved() =>
        _cursorFlush ??= this.RegisterGrainTimer(FlushCursorAsync, _options.CursorFlushInterval, _options.CursorFlushInterval);

    private async Task FlushCursorAsync(CancellationToken cancellationToken)
    {
        if (state.State.DeliveryCursor == _persistedCursor && !_stateDirty)
        {
            _cursorFlush?.Dispose();
            _cursorFlush = null;
            return;
        }

        try
        {
            await state.WriteStateAsync(cancellationToken);
            _persistedCursor = state.State.DeliveryCursor;
            _stateDirty = false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The cursor only saves re-sending on SYNC; the next flush tries again.
            LogCursorFlushFailed(ex, Uid);
        }
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "User {Uid}: writing the delivery cursor failed")]
    private partial void LogCursorFlushFailed(Exception ex, ulong uid);
}
