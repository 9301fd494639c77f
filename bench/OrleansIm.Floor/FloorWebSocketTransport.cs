using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;

namespace OrleansIm.Floor;

/// <summary>
/// WebSocket: incoming binary messages are pumped into a pipe; each outgoing frame is one message, or, when the
/// client offered the packed subprotocol, the frames of one flush go in one message (up to 64 KB).
/// </summary>
public sealed class FloorWebSocketTransport : IFloorTransport
{
    public const string PackedProtocol = "orleansim.packed";
    private const int PackedMessageBytes = 64 * 1024;

    private readonly WebSocket _socket;
    private readonly bool _packed;
    private readonly Pipe _incoming = new();
    private readonly ArrayBufferWriter<byte> _pending = new();

    public FloorWebSocketTransport(WebSocket socket, bool packed)
    {
        _socket = socket;
        _packed = packed;
        _ = PumpAsync();
    }

    public PipeReader Input => _incoming.Reader;

    public async ValueTask WriteAsync(byte[] frame)
    {
        if (!_packed)
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            return;
        }

        if (_pending.WrittenCount > 0 && _pending.WrittenCount + frame.Length > PackedMessageBytes)
        {
            await FlushAsync();
        }

        _pending.Write(frame);
    }

    public async ValueTask FlushAsync()
    {
        if (_pending.WrittenCount > 0)
        {
            await _socket.SendAsync(_pending.WrittenMemory, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            _pending.ResetWrittenCount();
        }
    }

    public void Abort() => _socket.Abort();

    private async Task PumpAsync()
    {
        var writer = _incoming.Writer;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(16 * 1024);
                var result = await _socket.ReceiveAsync(memory, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                writer.Advance(result.Count);
                var flushed = await writer.FlushAsync();
                if (flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The peer went away: the reader sees the end of input.
        }

        await writer.CompleteAsync();
    }
}
