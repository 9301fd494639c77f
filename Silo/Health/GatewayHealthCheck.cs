using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansIm.Gateway.Sessions;

namespace OrleansIm.Silo.Health;

/// <summary>Readiness: the gateway node joined the cluster and is not shutting down.</summary>
public sealed class GatewayHealthCheck(GatewayNode node) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(node.Nid != 0 && !node.IsStopping
            ? HealthCheckResult.Healthy($"node {node.Nid}, {node.ConnectionCount} connections")
            : HealthCheckResult.Unhealthy("the gateway node is starting or stopping"));
}
