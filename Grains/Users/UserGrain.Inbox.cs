using Microsoft.Extensions.Logging;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;

namespace OrleansIm.Grains.Users;

/// <summary>The inbox: private messages both ways, relays, serial blocks, the delivery cursor and sync reads.</summary>
public sealed partial class UserGrain
{
    private ulong _head;
    private ulong _persistedCursor;
    private IGrainTimer? _cursorFlush;

    public async Task<ChatDelivery> ReceiveChat(ulong orig, ulong serial, byte[] chatBody)
    {
        if (state.State.Blacklist.Contains(orig))
        {
            return new ChatDelivery(ResultCode.Blacklisted, 0, false);
        }

        // Gagged: the sender is not told, and nothing is kept for this user; the sender's own copy still is.
        bool gagged = state.State.Gagged.Contains(orig);
        var appended = await store.AppendInboxAsync(new InboxAppend(Cmd.Chat, orig, serial, chatBody, gagged ? 0 : Uid, orig));
        if (appended.Inserted && appended.ReceiverSeq != 0)
        {
            Delivered(Cmd.Chat, appended.ReceiverSeq, chatBody, exceptSid: 0);
        }

        return new ChatDelivery(ResultCode.Ok, appended.SenderSeq, appended.Inserted);
    }

    public Task OnSent(ulong seq, ulong sourceSid, byte[] chatBody)
    {
        Delivered(Cmd.Chat, seq, chatBody, sourceSid);
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
    private async Task<ulong> AppendAsync(uint cmd, ulong orig, byte[] body)
    {
        var result = await store.AppendInboxAsync(new InboxAppend(cmd, orig, 0, body, Uid));
        Delivered(cmd, result.ReceiverSeq, body, exceptSid: 0);
        return result.ReceiverSeq;
    }

    /// <summary>A committed entry: the head follows it (entries may be learnt out of order), and the sessions get it.</summary>
    private void Delivered(uint cmd, ulong seq, byte[] body, ulong exceptSid)
    {
        _head = Math.Max(_head, seq);
        Push(FrameWriter.EncodeRaw(cmd, FrameHeader.FlagSystem, 0, 0, seq, body), exceptSid);
    }

    /// <summary>
    /// A cursor moved: it is written within the flush interval. The timer exists only while something is unwritten,
    /// so an idle user costs no timer.
    /// </summary>
    private void CursorMoved() =>
        _cursorFlush ??= this.RegisterGrainTimer(FlushCursorAsync, _options.CursorFlushInterval, _options.CursorFlushInterval);

    private async Task FlushCursorAsync(CancellationToken cancellationToken)
    {
        if (state.State.DeliveryCursor == _persistedCursor && !_groupCursorsDirty)
        {
            _cursorFlush?.Dispose();
            _cursorFlush = null;
            return;
        }

        try
        {
            await state.WriteStateAsync(cancellationToken);
            _persistedCursor = state.State.DeliveryCursor;
            _groupCursorsDirty = false;
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
