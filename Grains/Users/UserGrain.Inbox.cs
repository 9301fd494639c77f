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

    public async Task<ChatDelivery> ReceiveChat(ulong orig, ulong serial, byte[] chatBody)
    {
        if (state.State.Blacklist.Contains(orig))
        {
            return new ChatDelivery(ResultCode.Blacklisted, 0);
        }

        // Gagged: the sender is not told, and nothing is kept for this user.
        if (state.State.Gagged.Contains(orig))
        {
            return new ChatDelivery(ResultCode.Ok, 0);
        }

        var appended = await AppendAsync(Cmd.Chat, orig, serial, chatBody, messageId: 0, pushExceptSid: 0);
        return new ChatDelivery(ResultCode.Ok, appended.MessageId);
    }

    public async Task<ulong> RecordSent(ulong serial, ulong sourceSid, byte[] chatBody, long messageId)
    {
        var appended = await AppendAsync(Cmd.Chat, Uid, serial, chatBody, messageId, pushExceptSid: sourceSid);
        return appended.Seq;
    }

    public async Task<ulong> PushP2P(byte[] body)
    {
        var appended = await AppendAsync(Cmd.P2P, 0, 0, body, messageId: 0, pushExceptSid: 0);
        return appended.Seq;
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
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Appends at the next seq and, if it is new, pushes it to the sessions. A duplicate (same orig and serial)
    /// is neither stored nor pushed again. The head moves only once the store committed.
    /// </summary>
    private async Task<AppendResult> AppendAsync(uint cmd, ulong orig, ulong serial, byte[] body, long messageId, ulong pushExceptSid)
    {
        var result = await store.AppendAsync(new LogAppend(LogKind.Inbox, Uid, _head + 1, cmd, orig, serial, body, messageId));
        if (result.Inserted)
        {
            _head = result.Seq;
            Push(FrameWriter.EncodeRaw(cmd, FrameHeader.FlagSystem, 0, 0, result.Seq, body), pushExceptSid);
        }

        return result;
    }

    private async Task FlushCursorAsync(CancellationToken cancellationToken)
    {
        if (state.State.DeliveryCursor == _persistedCursor && !_groupCursorsDirty)
        {
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
