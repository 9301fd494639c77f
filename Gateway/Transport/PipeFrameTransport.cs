using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using OrleansIm.Gateway.Sessions;

namespace OrleansIm.Gateway.Transport;

/// <summary>
/// Raw TCP (or any duplex pipe): frames go back to back. A batch of frames is gathered in a buffer of the
/// connection's own and handed to the output pipe in one write: every write into the pipe takes its lock, which the
/// socket sender holds too, so writing frame by frame contended on it under fan-out. The buffer is the pool's and
/// goes back to it once the batch is in the pipe.
/// </summary>
public sealed class PipeFrameTransport(IDuplexPipe pipe, string remoteAddress, Action abort) : IFrameTransport
{
    private readonly PooledBatch _batch = new();

    public PipeFrameTransport(ConnectionContext context)
        : this(context.Transport, context.RemoteEndPoint?.ToString() ?? "?", context.Abort)
    {
    }

    public string Name => "tcp";

    public string RemoteAddress { get; } = remoteAddress;

    public PipeReader Input => pipe.Input;

    public void Write(in OutboundFrame frame, ulong sid, uint nid) => frame.WriteTo(_batch, sid, nid);

    public async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        if (_batch.WrittenCount > 0)
        {
            pipe.Output.Write(_batch.WrittenSpan);
            _batch.Release();
        }

        var result = await pipe.Output.FlushAsync(cancellationToken);
        return !result.IsCompleted && !result.IsCanceled;
    }

    public async ValueTask CloseAsync() => await pipe.Output.CompleteAsync();

    public void Abort() => abort();
}
