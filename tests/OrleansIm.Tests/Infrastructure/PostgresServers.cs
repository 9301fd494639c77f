namespace OrleansIm.Tests.Infrastructure;

/// <summary>Starts servers in PostgreSQL mode on a database of their own.</summary>
public static class PostgresServers
{
    public static async Task<string> NewDatabaseAsync() => await (await PostgresCluster.GetAsync()).CreateDatabaseAsync();

    public static Task<ImServer> StartAsync(string connectionString, IReadOnlyDictionary<string, string?>? extra = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? replace = null)
    {
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = connectionString };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return ImServer.StartAsync(settings, replace: replace);
    }
}
