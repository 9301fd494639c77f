using System.IO.Pipelines;
using OrleansIm.Gateway.Sessions;

namespace OrleansIm.Gateway.Transport;

/// <summary>
/// What the one connection handler needs of a transport: a byte stream in, and frames out. Raw TCP passes bytes
/// through; WebSocket checks message boundaries on the way in and sends one frame per message on the way out.
/// </summary>
public interface IFrameTransport
{
    /// <summary>"tcp" or "ws".</summary>
    string Name { get; }

    string RemoteAddress { get; }

    /// <summary>Incoming bytes. A transport-level violation completes it with a <c>ProtocolException</c>.</summary>
    PipeReader Input { get; }

    /// <summary>Buffers one frame for sending; called only from the connection's writer loop.</summary>
    void Write(in OutboundFrame frame, ulong sid, uint nid);

    /// <summary>Sends what <see cref="Write"/> buffered. False when the peer is gone.</summary>
    ValueTask<bool> FlushAsync(CancellationToken cancellationToken);

    /// <summary>Graceful close after the last flush.</summary>
    ValueTask CloseAsync();

    /// <summary>Immediate close: nothing more is sent.</summary>
    void Abort();
}
