using Google.Protobuf;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Gateway.Sessions;

/// <summary>The outbound side: queueing replies and pushes, the write loop, and the senders' slow-down when a queue backs up.</summary>
public sealed partial class ImConnection
{
    /// <summary>Queues a frame. A full queue means the client cannot keep up: it is disconnected.</summary>
    public bool Post(in OutboundFrame frame)
    {
        if (_outbound.TryWrite(frame.Queued(System.Diagnostics.Stopwatch.GetTimestamp())))
        {
            if (_outbound.Count >= _highWater && Interlocked.CompareExchange(ref _congested, 1, 0) == 0)
            {
                // The stall clock starts now, not at the last write long ago.
                Volatile.Write(ref _lastWriteProgress, _services.Time.GetTimestamp());
                _services.Node.Congestion.Enter();
            }

            return true;
        }

        if (!_closing.IsCancellationRequested)
        {
            LogQueueFull(_services.Logger, Id, _transport.Name);
            Abort();
        }

        return false;
    }

    /// <summary>
    /// Queues a frame the connection itself asked for (a SYNC replay), waiting while the queue is more than half
    /// full: a replay must neither outrun a slow reader nor crowd out live pushes. False once closing.
    /// </summary>
    public async ValueTask<bool> PostReplayAsync(OutboundFrame frame)
    {
        try
        {
            while (_outbound.Count >= _replayLimit)
            {
                Volatile.Write(ref _waitingForRoom, 1);
                if (_outbound.Count < _replayLimit)
                {
                    break;
                }

                await _drained.WaitAsync(_closing.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        return Post(frame);
    }

    /// <summary>Answers a request: the reply carries the request's serial.</summary>
    public void Reply(in FrameHeader request, uint type, IMessage? body) =>
        Post(OutboundFrame.Message(type, request.Serial, body));

    public void SendExcept(uint code, uint cmd, ulong serial)
    {
        _services.Metrics.Error(code);
        Post(OutboundFrame.Message(Cmd.Except, serial, new Except { Code = code, Errmsg = ResultCode.Message(code), Cmd = cmd, Serial = serial }));
    }

    private async Task WriteLoopAsync()
    {
        var reader = _outbound;
        var nid = _services.Node.Nid;
        long writes = 0;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                long oldest = 0;
                while (reader.TryRead(out var frame))
                {
                    if (oldest == 0)
                    {
                        oldest = frame.QueuedAt;
                    }

                    _transport.Write(frame, Session?.Sid ?? 0, nid);
                    _services.Metrics.FrameOut(frame.Type);
                }

                if (!await _transport.FlushAsync(CancellationToken.None))
                {
                    Abort();
                    return;
                }

                Volatile.Write(ref _lastWriteProgress, _services.Time.GetTimestamp());
                if (_outbound.Count <= _lowWater && Interlocked.CompareExchange(ref _congested, 0, 1) == 1)
                {
                    _services.Node.Congestion.Leave();
                }

                if (oldest != 0 && ++writes % Diagnostics.ImMetrics.DeliverySampleEvery == 1)
                {
                    _services.Metrics.Delivered(oldest);
                }

                // Only this loop releases, so checking the count first cannot race another release.
                if (Interlocked.Exchange(ref _waitingForRoom, 0) == 1 && _drained.CurrentCount == 0)
                {
                    _drained.Release();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException or ObjectDisposedException)
        {
            // The transport failed under us: the peer is gone, so stop writing and let the close path run.
            LogPeerGone(_services.Logger, Id, ex.Message);
            Abort();
        }
    }

    private async Task FinishWritingAsync(Task writing)
    {
        try
        {
            await writing.WaitAsync(_services.Options.CloseFlushTimeout, _services.Time);
        }
        catch (TimeoutException)
        {
            Abort();
        }

        if (Volatile.Read(ref _aborted) == 0)
        {
            await _transport.CloseAsync();
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Connection {ConnectionId} ({Transport}): outbound queue full, disconnecting")]
    private static partial void LogQueueFull(ILogger logger, long connectionId, string transport);
}
