using System.Net.WebSockets;

namespace OrleansIm.Client;

internal sealed class WebSocketClientTransport(ClientWebSocket socket) : IClientTransport
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public static async Task<WebSocketClientTransport> ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();

        // Frames are read back to back whatever the message boundaries, so the server may pack several in one.
        socket.Options.AddSubProtocol("orleansim.packed");
        await socket.ConnectAsync(uri, cancellationToken);
        return new WebSocketClientTransport(socket);
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        SendAsync(bytes, WebSocketMessageType.Binary, cancellationToken);

    public async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(bytes, type, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType != WebSocketMessageType.Close)
            {
                return result.Count;
            }

            // Complete the closing handshake the server started.
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
            return 0;
        }
        catch (WebSocketException)
        {
            return 0;
        }
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
