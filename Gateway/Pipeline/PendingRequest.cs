using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Pipeline;

/// <summary>A parsed, admitted request waiting for its turn in its lane; running it sends exactly one reply.</summary>
public abstract class PendingRequest(Lane lane, uint streamCmd)
{
    public Lane Lane { get; } = lane;

    /// <summary>The command id when consecutive requests of this command may be issued back to back; else 0.</summary>
    public uint StreamCmd { get; } = streamCmd;

    /// <summary>Its place among the connection's ordered requests (set when it is issued; <see cref="CallOrder.None"/> for others).</summary>
    internal CallOrder Order { get; set; }

    /// <summary>Whether it finished (for the connection's floor of ordered requests).</summary>
    internal bool Finished { get; set; }

    /// <summary>Runs the handler with <paramref name="order"/>. It never throws: a failed handler is answered with 10001 inside.</summary>
    public abstract ValueTask RunAsync(CallOrder order);
}
