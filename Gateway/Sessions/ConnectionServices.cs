using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIm.Gateway.Commands;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Sessions;

/// <summary>The shared services every connection uses, resolved once.</summary>
public sealed class ConnectionServices(
    GatewayNode node,
    CommandRouter router,
    IOptions<GatewayOptions> options,
    [FromKeyedServices(ImClock.Key)] TimeProvider time,
    Diagnostics.ImMetrics metrics,
    Admission admission,
    ILogger<ImConnection> logger)
{
    public GatewayNode Node { get; } = node;

    public CommandRouter Router { get; } = router;

    public GatewayOptions Options { get; } = options.Value;

    public TimeProvider Time { get; } = time;

    public ILogger<ImConnection> Logger { get; } = logger;

    public Diagnostics.ImMetrics Metrics { get; } = metrics;

    public Admission Admission { get; } = admission;
}
