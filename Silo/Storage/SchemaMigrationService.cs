using Microsoft.Extensions.Hosting;

namespace OrleansIm.Silo.Storage;

/// <summary>Runs the migrations at start-up. Registered before the Orleans silo, so the providers find their schema.</summary>
public sealed class SchemaMigrationService(SchemaMigrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
