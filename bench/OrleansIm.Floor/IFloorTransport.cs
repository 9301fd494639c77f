using System.IO.Pipelines;

namespace OrleansIm.Floor;

/// <summary>Bytes in, whole frames out: raw TCP or WebSocket (one frame per message).</summary>
public interface IFloorTransport
{
    PipeReader Input { get; }

    /// <summary>Buffers one encoded frame; called only from the connection's writer loop.</summary>
    ValueTask WriteAsync(byte[] frame);

    /// <summary>Sends what was buffered.</summary>
    ValueTask FlushAsync();

    void Abort();
}
