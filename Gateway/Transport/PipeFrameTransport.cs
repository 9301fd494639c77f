using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using OrleansIm.Gateway.Sessions;

namespace OrleansIm.Gateway.Transport;

/// <summary>Raw TCP (or any duplex pipe): frames go back to back, written straight into the output pipe.</summary>
public sealed class PipeFrameTransport(IDuplexPipe pipe, string remoteAddress, Action abort) : IFrameTransport
{
    public PipeFrameTransport(ConnectionContext context)
        : this(context.Transport, context.RemoteEndPoint?.ToString() ?? "?", context.Abort)
    {
    }

    public string Name => "tcp";

    public string RemoteAddress { get; } = remoteAddress;

    public PipeReader Input => pipe.Input;

    public void Write(in OutboundFrame frame, ulong sid, uint nid) => frame.WriteTo(pipe.Output, sid, nid);

    public async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        var result = await pipe.Output.FlushAsync(cancellationToken);
        return !result.IsCompleted && !result.IsCanceled;
    }

    public async ValueTask CloseAsync() => await pipe.Output.CompleteAsync();

    public void Abort() => abort();
}
