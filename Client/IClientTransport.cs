namespace OrleansIm.Client;

/// <summary>How the client moves bytes: raw TCP or WebSocket.</summary>
internal interface IClientTransport : IAsyncDisposable
{
    /// <summary>Sends bytes; on WebSocket, one call is one binary message.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>Receives some bytes into <paramref name="buffer"/>; 0 when the server closed.</summary>
    ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);
}
