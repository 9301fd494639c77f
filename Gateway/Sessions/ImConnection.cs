using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansIm.Gateway.Pipeline;
using OrleansIm.Gateway.Transport;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// The one connection handler behind both transports: reads frames, dispatches them in order, and writes replies
/// and pushes through a bounded outbound queue. A full queue closes the connection; nothing waits on a slow client.
/// </summary>
public sealed partial class ImConnection
{
    private readonly IFrameTransport _transport;
    private readonly ConnectionServices _services;
    private readonly OutboundQueue _outbound;
    private readonly CancellationTokenSource _closing = new();
    private readonly RequestRateLimiter _rate;
    private RequestPipeline? _pipeline;
    private readonly long _openedAt;
    private long _lastInboundAt;
    private ConnectionSession? _session;
    private int _aborted;
    private uint _farewell;
    private readonly int _replayLimit;
    private readonly SemaphoreSlim _drained = new(0, 1);
    private int _waitingForRoom;
    private readonly int _highWater;
    private readonly int _lowWater;
    private int _congested;
    private long _lastWriteProgress;

    public ImConnection(IFrameTransport transport, ConnectionServices services, System.Net.IPAddress? remoteIp = null)
    {
        _transport = transport;
        RemoteIp = remoteIp;
        _services = services;
        var options = services.Options;
        _outbound = new OutboundQueue(options.OutboundQueueFrames);
        _replayLimit = Math.Max(1, options.OutboundQueueFrames / OutboundQueue.ReplayShare);
        // Well below the limit: pushes already on their way (requests in flight, deliveries queued in the cluster)
        // still land after the senders stopped.
        _highWater = Math.Max(1, options.OutboundQueueFrames / OutboundQueue.CongestedShare);
        _lowWater = options.OutboundQueueFrames / OutboundQueue.ClearedShare;
        _rate = new RequestRateLimiter(options.RequestsPerSecond, options.RequestBurst, services.Time);
        _openedAt = _lastInboundAt = services.Time.GetTimestamp();
        Id = services.Node.Registry.NextConnectionId();
    }

    /// <summary>The peer's address (for the per-address limits); null where unknown.</summary>
    public System.Net.IPAddress? RemoteIp { get; }

    /// <summary>Node-local connection id.</summary>
    public long Id { get; }

    public string TransportName => _transport.Name;

    /// <summary>The logged-in session, or null before ONLINE succeeded.</summary>
    public ConnectionSession? Session => Volatile.Read(ref _session);

    public bool IsClosing => _closing.IsCancellationRequested;

    /// <summary>The lowest index of this connection's ordered requests still running (<see cref="RequestPipeline.Floor"/>).</summary>
    public ulong OrderedFloor => Volatile.Read(ref _pipeline)?.Floor ?? ulong.MaxValue;

    /// <summary>Binds the connection to a session; called once, by ONLINE.</summary>
    public void BeginSession(ConnectionSession session) => Volatile.Write(ref _session, session);

    public bool TryTakeRequestToken() => _rate.TryTake();

    /// <summary>Stops reading; what is queued is still sent, then the connection closes.</summary>
    public void Close() => _closing.Cancel();

    /// <summary>Sends KICK with <paramref name="code"/> and closes.</summary>
    public void Kick(uint code)
    {
        PostKick(code);
        Close();
    }

    private void PostKick(uint code) => Post(OutboundFrame.Message(Cmd.Kick, 0, new Kick { Code = code, Errmsg = ResultCode.Message(code) }));

    /// <summary>
    /// Ends the connection for a shutdown: stops reading, lets the requests in flight finish and reply, then sends
    /// KICK with <paramref name="code"/> (after everything already queued) and closes.
    /// </summary>
    public void Drain(uint code)
    {
        // Counted once, and only while the connection has not yet passed the point where it would send the KICK.
        if (Interlocked.CompareExchange(ref _farewell, code, 0) == 0)
        {
            _services.Node.Upkeep.DrainBegan();
        }

        Close();
    }

    /// <summary>Closes at once, dropping what is queued.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            _closing.Cancel();
            _outbound.Complete();
            _transport.Abort();
        }
    }

    /// <summary>Called by the node's sweep: closes a connection that did not log in in time or went silent.</summary>
    public void CheckTimeouts(long now)
    {
        var options = _services.Options;
        if (Session is null)
        {
            if (_services.Time.GetElapsedTime(_openedAt, now) > options.HandshakeTimeout)
            {
                LogHandshakeTimeout(_services.Logger, Id, _transport.Name);
                Close();
            }
        }
        else if (_services.Time.GetElapsedTime(Volatile.Read(ref _lastInboundAt), now) > TimeSpan.FromSeconds(3 * options.HeartbeatSeconds))
        {
            LogHeartbeatTimeout(_services.Logger, Id, Session.Uid, Session.Sid);
            Close();
        }

        if (Volatile.Read(ref _congested) == 1 && _services.Time.GetElapsedTime(Volatile.Read(ref _lastWriteProgress), now) > options.StalledReaderTimeout)
        {
            LogReaderStalled(_services.Logger, Id, _transport.Name);
            Abort();
        }
    }

    /// <summary>Runs the connection until it closes; the session, if any, ends as if it had sent OFFLINE.</summary>
    public async Task RunAsync()
    {
        if (_services.Admission.TryAdmit(RemoteIp) is { } refusal)
        {
            await RefuseAsync(refusal);
            return;
        }

        try
        {
            await RunAdmittedAsync();
        }
        finally
        {
            _services.Admission.Release(RemoteIp);
        }
    }

    /// <summary>Tells a connection over a limit why (EXCEPT 10002) and closes it without reading.</summary>
    private async Task RefuseAsync(string reason)
    {
        LogRefused(_services.Logger, _transport.Name, _transport.RemoteAddress, reason);
        _services.Metrics.Error(ResultCode.Unavailable);
        var writing = WriteLoopAsync();
        Post(OutboundFrame.Message(Cmd.Except, 0, new Except { Code = ResultCode.Unavailable, Errmsg = reason, Cmd = 0, Serial = 0 }));
        _outbound.Complete();
        await FinishWritingAsync(writing);
        await _transport.Input.CompleteAsync();
    }

    private async Task RunAdmittedAsync()
    {
        _services.Node.Registry.Add(this);
        _services.Metrics.ConnectionOpened(_transport.Name);
        var writing = WriteLoopAsync();
        try
        {
            await ReadLoopAsync();
        }
        catch (ProtocolException ex)
        {
            LogProtocolError(_services.Logger, Id, ex.Code, ex.Message);
            SendExcept(ex.Code, ex.Cmd, ex.Serial);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // Closed by us (OFFLINE, kick, timeout, full queue).
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            LogPeerGone(_services.Logger, Id, ex.Message);
        }
        finally
        {
            _closing.Cancel();
            await FinishRequestsAsync();
            if (Interlocked.Exchange(ref _farewell, uint.MaxValue) is var farewell and not 0)
            {
                // Drained for a shutdown: every connection's requests finish first, so the pushes they make (to this
                // connection too) are queued before any KICK.
                await _services.Node.Upkeep.DrainSettledAsync();
                if (Session is not null)
                {
                    PostKick(farewell);
                }
            }

            _outbound.Complete();
            await _services.Node.RemoveAsync(this);
            await FinishWritingAsync(writing);
            await _transport.Input.CompleteAsync();
            if (Interlocked.Exchange(ref _congested, 0) == 1)
            {
                _services.Node.Congestion.Leave();
            }

            _services.Metrics.ConnectionClosed(_transport.Name);
        }
    }

    private async Task ReadLoopAsync()
    {
        var input = _transport.Input;
        var reader = new FrameReader(_services.Options.MaxBodyLength);
        while (true)
        {
            var result = await input.ReadAsync(_closing.Token);
            var buffer = result.Buffer;
            try
            {
                while (reader.TryRead(ref buffer, out var frame))
                {
                    Volatile.Write(ref _lastInboundAt, _services.Time.GetTimestamp());
                    _services.Metrics.FrameIn(frame.Header.Type);
                    if (Session is null || frame.Header.Type is Cmd.Online or Cmd.Offline)
                    {
                        // Login and logout see every earlier request finished, and nothing after them starts
                        // before they did: the login gate depends on it, and OFFLINE-ACK is the last reply.
                        if (_pipeline is not null)
                        {
                            await _pipeline.DrainAsync(_closing.Token);
                        }

                        await _services.Router.DispatchAsync(this, frame);
                    }
                    else if (_services.Router.Prepare(this, frame) is { } request)
                    {
                        if (_services.Node.Congestion.IsCongested)
                        {
                            // Some reader on this node (maybe this one, with its own replies) is behind: wait for
                            // it rather than make it fall further behind.
                            await _services.Node.Congestion.WaitClearedAsync(_closing.Token);
                        }

                        // Made on the first request after login: an idle session never needs one.
                        var pipeline = _pipeline ??= new RequestPipeline(_services.Options.MaxRequestsInFlight, _services.Node.Nid, Id, _services.Logger);
                        if (pipeline.InFlight >= _services.Options.MaxRequestsInFlight)
                        {
                            // Not reading on is the back-pressure: the client's socket fills and its sends block.
                            await pipeline.WaitForSlotAsync(_closing.Token);
                        }

                        pipeline.Submit(request);
                    }

                    if (_closing.IsCancellationRequested)
                    {
                        return;
                    }
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    /// <summary>
    /// Lets the requests still in flight finish and queue their replies (a client that sent a burst and closed its
    /// side still gets them), bounded by the close timeout. An aborted connection has no one to reply to.
    /// </summary>
    private async Task FinishRequestsAsync()
    {
        if (Volatile.Read(ref _aborted) != 0 || _pipeline is not { InFlight: > 0 } pipeline)
        {
            return;
        }

        try
        {
            await pipeline.DrainAsync(CancellationToken.None).AsTask().WaitAsync(_services.Options.CloseFlushTimeout, _services.Time);
        }
        catch (TimeoutException)
        {
            LogRequestsOutlivedClose(_services.Logger, Id, pipeline.InFlight);
        }
    }

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "Refused a {Transport} connection from {Remote}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string transport, string remote, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Connection {ConnectionId} ({Transport}): no ONLINE within the handshake timeout")]
    private static partial void LogHandshakeTimeout(ILogger logger, long connectionId, string transport);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: uid {Uid} sid {Sid} missed its heartbeats")]
    private static partial void LogHeartbeatTimeout(ILogger logger, long connectionId, ulong uid, ulong sid);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: protocol error {Code}: {Reason}")]
    private static partial void LogProtocolError(ILogger logger, long connectionId, uint code, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: {Count} request(s) still running at close; their replies are dropped")]
    private static partial void LogRequestsOutlivedClose(ILogger logger, long connectionId, int count);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "Connection {ConnectionId} ({Transport}): the client stopped reading its backed-up queue, disconnecting")]
    private static partial void LogReaderStalled(ILogger logger, long connectionId, string transport);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: peer gone ({Reason})")]
    private static partial void LogPeerGone(ILogger logger, long connectionId, string reason);
}
