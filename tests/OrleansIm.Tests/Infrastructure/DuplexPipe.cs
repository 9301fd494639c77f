using System.IO.Pipelines;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>An in-memory duplex pipe, to run the real connection handler without a socket.</summary>
public sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
