using System.Buffers;
using System.IO.Pipelines;

namespace OrleansIm.Floor;

/// <summary>Raw TCP: frames back to back on Kestrel's pipes.</summary>
public sealed class FloorPipeTransport(IDuplexPipe pipe, Action abort) : IFloorTransport
{
    public PipeReader Input => pipe.Input;

    public ValueTask WriteAsync(byte[] frame)
    {
        pipe.Output.Write(frame.AsSpan());
        return default;
    }

    public async ValueTask FlushAsync() => await pipe.Output.FlushAsync();

    public void Abort() => abort();
}
