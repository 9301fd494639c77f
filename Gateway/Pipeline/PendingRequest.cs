namespace OrleansIm.Gateway.Pipeline;

/// <summary>A parsed, admitted request waiting for its turn in its lane; running it sends exactly one reply.</summary>
public abstract class PendingRequest(Lane lane, uint streamCmd)
{
    public Lane Lane { get; } = lane;

    /// <summary>The command id when consecutive requests of this command may be issued back to back; else 0.</summary>
    public uint StreamCmd { get; } = streamCmd;

    /// <summary>Runs the handler. It never throws: a failed handler is answered with 10001 inside.</summary>
    public abstract ValueTask RunAsync();
}
