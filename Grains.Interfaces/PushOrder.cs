namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// The place of a push (a grain's one-way call to a gateway node in another silo) among the pushes of one run: the
/// node delivers a run's pushes in <see cref="Seq"/> order, however the runtime delivered the calls (it does not keep
/// an order while it looks up where a node lives). <see cref="None"/>: deliver at once (a node in the grain's own
/// silo is called directly, in order).
/// </summary>
/// <remarks>
/// A run is one grain activation's pushes to one node with no pause of <see cref="RunGap"/> or more between two of
/// them; <see cref="Source"/> names it (random), <see cref="Seq"/> counts 1, 2, 3 … within it. A node forgets a run
/// after <see cref="ForgetAfter"/> without pushes, far longer than a run can pause, and delivers what waits behind
/// a push that never came (lost with a failed silo) after its configured gap wait.
/// </remarks>
[GenerateSerializer, Immutable, Alias("im.PushOrder")]
public readonly record struct PushOrder(
    [property: Id(0)] ulong Source,
    [property: Id(1)] ulong Seq)
{
    public static readonly PushOrder None = default;

    /// <summary>A pause after which a grain's next push to a node starts a new run.</summary>
    public static readonly TimeSpan RunGap = TimeSpan.FromSeconds(1);

    /// <summary>How long a node remembers a run without pushes.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromSeconds(30);
}
