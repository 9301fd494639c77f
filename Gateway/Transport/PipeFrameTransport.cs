using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using OrleansIm.Gateway.Sessions;

namespace OrleansIm.Gateway.Transport;

/// <summary>
/// Raw TCP (or any duplex pipe): frames go back to back. A batch of frames is gathered in a buffer of the
/// connection's own and handed to the output pipe in one write: every write into the pipe takes its lock, which the
/// socket sender holds too, so writing frame by frame contended on it under fan-out.
/// </summary>
public sealed class PipeFrameTransport(IDuplexPipe pipe, string remoteAddress, Action abort) : IFrameTransport
{
    // A batch buffer grown past this is dropped after the flush instead of being kept by an idle connection.
    private const int KeptBatchBytes = 16 * 1024;

    private ArrayBufferWriter<byte>? _batch;

    public PipeFrameTransport(ConnectionContext context)
        : this(context.Transport, context.RemoteEndPoint?.ToString() ?? "?", context.Abort)
    {
    }

    public string Name => "tcp";

    public string RemoteAddress { get; } = remoteAddress;

    public PipeReader Input => pipe.Input;

    public void Write(in OutboundFrame frame, ulong sid, uint nid) => frame.WriteTo(_batch ??= new ArrayBufferWriter<byte>(1024), sid, nid);

    public async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        if (_batch is { WrittenCount: > 0 } batch)
        {
            pipe.Output.Write(batch.WrittenSpan);
            if (batch.Capacity > KeptBatchBytes)
            {
                _batch = null;
            }
            else
            {
                batch.ResetWrittenCount();
            }
        }

        var result = await pipe.Output.FlushAsync(cancellationToken);
        return !result.IsCompleted && !result.IsCanceled;
    }

    public async ValueTask CloseAsync() => await pipe.Output.CompleteAsync();

    public void Abort() => abort();
}
