using Google.Protobuf;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Client;

/// <summary>Requests: queued in call order, sent on the logged-in connection, and followed to their replies.</summary>
public sealed partial class ChatClient
{
    /// <summary>
    /// Sends a request and returns its reply. Requests go out in call order. <paramref name="resend"/>: if the
    /// connection breaks first, the request is sent again after the reconnect (with <paramref name="messageSerial"/>,
    /// the same ALLOC-SEQ serial every time); otherwise it fails with <see cref="ImException"/> (code 0).
    /// </summary>
    private async Task<ReceivedFrame> RequestAsync(uint cmd, IMessage? body, bool resend, bool messageSerial, CancellationToken cancellationToken, ulong serial = 0)
    {
        if (_stop.IsCancellationRequested || State == ConnectionState.Closed)
        {
            throw new ImException(cmd, "the client is closed");
        }

        var pending = new Pending(Interlocked.Increment(ref _order), cmd, body, resend, messageSerial)
        {
            Serial = serial != 0 ? serial : messageSerial ? 0 : (ulong)Interlocked.Increment(ref _localSerial),
        };
        lock (_lock)
        {
            _inFlight.Add(pending.Order, pending);
        }

        _outgoing.Writer.TryWrite(pending);
        using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                _inFlight.Remove(pending.Order);
            }

            pending.Reply.TrySetCanceled(cancellationToken);
        });
        var frame = await pending.Reply.Task;
        if (frame.Type == Cmd.Except)
        {
            var except = frame.As(Except.Parser);
            throw new ImException(cmd, except.Code, except.Errmsg);
        }

        return frame;
    }

    /// <summary>Sends the request on this connection (taking a message serial first if it needs one) and follows its reply.</summary>
    private async Task SendOnAsync(ImClient connection, int connectionId, Pending pending)
    {
        if (pending.Reply.Task.IsCompleted || pending.SentOn == connectionId)
        {
            return;
        }

        if (pending.MessageSerial && pending.Serial == 0)
        {
            pending.Serial = await NextMessageSerialAsync(connection);
        }

        pending.SentOn = connectionId;
        var reply = await connection.SendRequestAsync(pending.Cmd, pending.Body, pending.Serial, _options.RequestTimeout);
        _ = reply.ContinueWith(t => Answered(connection, pending, t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Answered(ImClient connection, Pending pending, Task<ReceivedFrame> reply)
    {
        if (reply.IsCompletedSuccessfully)
        {
            lock (_lock)
            {
                _inFlight.Remove(pending.Order);
            }

            pending.Reply.TrySetResult(reply.Result);
            return;
        }

        if (reply.Exception?.InnerException is TimeoutException)
        {
            // No answer in time: take the connection as broken; the reconnect resends or fails it.
            _ = connection.DisposeAsync().AsTask();
        }
    }

    /// <summary>The next serial of this user's ALLOC-SEQ block, reserving a new block when it is used up.</summary>
    private async Task<ulong> NextMessageSerialAsync(ImClient connection)
    {
        if (_serialNext == 0 || _serialNext > _serialEnd)
        {
            var frame = await connection.RequestAsync(Cmd.AllocSeq, new AllocSeq { Uid = Uid, Num = _options.SerialBlock },
                (ulong)Interlocked.Increment(ref _localSerial), _options.RequestTimeout);
            var ack = frame.As(AllocSeqAck.Parser);
            if (ack.Code != ResultCode.Ok)
            {
                throw new ImException(Cmd.AllocSeq, ack.Code, ack.Errmsg);
            }

            (_serialNext, _serialEnd) = (ack.Seq + 1, ack.Seq + ack.Num);
        }

        return _serialNext++;
    }

    /// <summary>A request not yet answered.</summary>
    private sealed class Pending(long order, uint cmd, IMessage? body, bool resend, bool messageSerial)
    {
        public long Order { get; } = order;

        public uint Cmd { get; } = cmd;

        public IMessage? Body { get; } = body;

        public bool Resend { get; } = resend;

        public bool MessageSerial { get; } = messageSerial;

        public ulong Serial { get; set; }

        public int SentOn { get; set; }

        public TaskCompletionSource<ReceivedFrame> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
