using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Transport;

/// <summary>
/// WebSocket: binary messages only, each holding one or more whole frames. The server sends one frame per message,
/// or, on a connection that chose the <see cref="PackedProtocol"/> subprotocol, every frame ready at a flush in as
/// few messages as fit (whole frames, up to <see cref="PackedMessageBytes"/> each). A pump copies received messages
/// into a pipe, so the connection handler reads the same byte stream as on TCP.
/// </summary>
public sealed class WebSocketFrameTransport : IFrameTransport
{
    // An idle connection waits in a receive with a buffer lent to it: a small one, so that thousands of idle
    // sessions do not each hold 4 KB. A receive that fills its buffer doubles the next one, up to the large size.
    private const int IdleReceiveChunk = 256;
    private const int ReceiveChunk = 16 * 1024;

    /// <summary>The subprotocol a client offers to take several frames per server message.</summary>
    public const string PackedProtocol = "orleansim.packed";

    /// <summary>A packed message grows by whole frames up to this size (a larger frame goes alone).</summary>
    public const int PackedMessageBytes = 64 * 1024;

    private readonly WebSocket _socket;
    private readonly Pipe _input = new(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, minimumSegmentSize: IdleReceiveChunk, useSynchronizationContext: false));
    private readonly PooledBatch _pending = new();
    private readonly List<int> _pendingLengths = [];
    private readonly CancellationTokenSource _stop = new();

    private readonly int _maxBodyLength;
    private readonly bool _packed;

    public WebSocketFrameTransport(WebSocket socket, string remoteAddress, int maxBodyLength, bool packed)
    {
        _socket = socket;
        _maxBodyLength = maxBodyLength;
        _packed = packed;
        RemoteAddress = remoteAddress;
        Pump = PumpAsync();
    }

    public string Name => "ws";

    public string RemoteAddress { get; }

    public PipeReader Input => _input.Reader;

    /// <summary>The receive loop; it ends when the peer closes or the transport is closed.</summary>
    public Task Pump { get; }

    public void Write(in OutboundFrame frame, ulong sid, uint nid) => _pendingLengths.Add(frame.WriteTo(_pending, sid, nid));

    public async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            var all = _pending.WrittenMemory;
            int offset = 0, message = 0;
            foreach (var length in _pendingLengths)
            {
                if (message > 0 && (!_packed || message + length > PackedMessageBytes))
                {
                    await _socket.SendAsync(all.Slice(offset, message), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
                    offset += message;
                    message = 0;
                }

                message += length;
            }

            if (message > 0)
            {
                await _socket.SendAsync(all.Slice(offset, message), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
            }

            return true;
        }
        catch (WebSocketException)
        {
            return false;
        }
        finally
        {
            // Sent (or failed): the buffer goes back to the pool, so an idle connection holds none.
            _pending.Release();
            _pendingLengths.Clear();
        }
    }

    public async ValueTask CloseAsync()
    {
        // The receive loop keeps running: it ends when the peer answers the close frame (cancelling a WebSocket
        // receive would abort the socket and could discard frames the peer has not read yet).
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "closed", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The peer went away first; there is nobody left to tell.
                _socket.Abort();
            }
        }
    }

    public void Abort()
    {
        _stop.Cancel();
        _socket.Abort();
    }

    private async Task PumpAsync()
    {
        await Task.Yield();
        var writer = _input.Writer;
        var tracker = new FrameBoundaryTracker();
        int chunk = IdleReceiveChunk;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(chunk);
                var received = await _socket.ReceiveAsync(memory, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                if (received.MessageType == WebSocketMessageType.Text)
                {
                    await FailAsync(writer, new ProtocolException(ResultCode.IllegalRequest, "text messages are not accepted", fatal: true));
                    return;
                }

                tracker.Advance(memory.Span[..received.Count]);
                writer.Advance(received.Count);
                chunk = received.Count == memory.Length ? Math.Min(chunk * 2, ReceiveChunk) : IdleReceiveChunk;

                // An oversized header is the frame reader's to refuse (10018); any other partial frame is a framing error.
                if (received.EndOfMessage && !tracker.AtBoundary && !tracker.InsideOversizedFrame(_maxBodyLength))
                {
                    await writer.FlushAsync();
                    await FailAsync(writer, new ProtocolException(ResultCode.InvalidHeader, "message does not hold whole frames", fatal: true));
                    return;
                }

                var flush = await writer.FlushAsync();
                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The peer vanished or we are closing: the stream simply ends.
        }

        await writer.CompleteAsync();
    }

    /// <summary>
    /// Ends the input with <paramref name="error"/>, then keeps reading (and discarding) until the peer answers our
    /// close: closing a socket with unread input would reset it and could lose the EXCEPT sent before the close.
    /// </summary>
    private async Task FailAsync(PipeWriter writer, ProtocolException error)
    {
        await writer.CompleteAsync(error);
        var scratch = new byte[ReceiveChunk];
        try
        {
            while ((await _socket.ReceiveAsync(scratch, _stop.Token)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Gone; nothing left to drain.
        }
    }
}
