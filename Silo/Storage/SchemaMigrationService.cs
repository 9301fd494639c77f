using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansIm.Silo.Hosting;

namespace OrleansIm.Silo.Storage;

/// <summary>
/// Runs the migrations at start-up. Registered before the Orleans silo, so the providers find their schema. A
/// database that does not accept connections yet (it may be starting too) is retried for
/// <see cref="SiloOptions.DatabaseWaitTimeout"/>; then the server refuses to start with a message saying so.
/// </summary>
public sealed partial class SchemaMigrationService(SchemaMigrator migrator, IOptions<SiloOptions> options, ILogger<SchemaMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var limit = options.Value.DatabaseWaitTimeout;
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await migrator.MigrateAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                if (clock.Elapsed >= limit)
                {
                    throw new StartupException($"PostgreSQL ({migrator.Target}) did not accept a connection within {limit.TotalSeconds:F0} s " +
                        $"(Orleans:DatabaseWaitTimeout): {ex.Message}. Check ConnectionStrings:Postgres and that the server is reachable.");
                }

                LogWaiting(logger, migrator.Target, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(2, limit.TotalSeconds / 4)), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "PostgreSQL ({Target}) not reachable yet (attempt {Attempt}): {Reason}")]
    private static partial void LogWaiting(ILogger logger, string target, int attempt, string reason);
}
