using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Grains.Ordering;

/// <summary>How grains keep pipelined requests in send order, bound from the <c>Ordering</c> section.</summary>
public sealed class OrderingOptions
{
    public const string Section = "Ordering";

    /// <summary>
    /// How long a request waits for the one sent before it (which the runtime may deliver later) before the grain
    /// asks the sender's gateway whether that one finished elsewhere (a previous activation, a failed call). A
    /// request sent after one that is still running is never started first: the answer decides.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan GapCheckInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Senders' connections remembered before the ones quiet since the last sweep are forgotten.</summary>
    [Range(16, 1_000_000)]
    public int StreamsBeforeSweep { get; set; } = 64;
}
