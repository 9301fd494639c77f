using System.IO.Pipelines;
using System.Net.WebSockets;

namespace OrleansIm.Floor;

/// <summary>WebSocket: incoming binary messages are pumped into a pipe; each outgoing frame is one message.</summary>
public sealed class FloorWebSocketTransport : IFloorTransport
{
    private readonly WebSocket _socket;
    private readonly Pipe _incoming = new();

    public FloorWebSocketTransport(WebSocket socket)
    {
        _socket = socket;
        _ = PumpAsync();
    }

    public PipeReader Input => _incoming.Reader;

    public async ValueTask WriteAsync(byte[] frame) =>
        await _socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);

    public ValueTask FlushAsync() => default;

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
