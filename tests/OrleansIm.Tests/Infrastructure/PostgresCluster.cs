using System.Diagnostics;
using Npgsql;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL 15 server for the test run: initdb into a temporary folder (as the postgres user when
/// running as root, since initdb refuses root), bound to 127.0.0.1 on a free port, removed when the run ends.
/// Each test takes its own database.
/// </summary>
public sealed class PostgresCluster
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private static readonly Lazy<Task<PostgresCluster>> Shared = new(StartAsync);

    private readonly string _directory;
    private readonly bool _asPostgresUser;
    private int _databases;

    private PostgresCluster(string directory, int port, bool asPostgresUser)
    {
        _directory = directory;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public int Port { get; }

    /// <summary>The run's server, started on first use.</summary>
    public static Task<PostgresCluster> GetAsync() => Shared.Value;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    private string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20;Timeout=15";

    private static async Task<PostgresCluster> StartAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 server binaries are missing in {BinDirectory}: apt-get install -y postgresql-15 (scripts/test.sh does this).");
        }

        bool asPostgresUser = Environment.UserName == "root";
        var directory = Path.Combine(Path.GetTempPath(), $"orleansim-pg-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        if (asPostgresUser)
        {
            await RunAsync("chown", ["postgres:postgres", directory]);
        }

        var port = FreePorts.Take(1)[0];
        var cluster = new PostgresCluster(directory, port, asPostgresUser);
        var data = Path.Combine(directory, "data");
        await cluster.RunPgAsync("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions"]);
        await cluster.RunPgAsync("pg_ctl", ["-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
            "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300", "start"]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        return cluster;
    }

    private void Stop()
    {
        try
        {
            RunPgAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]).Wait(TimeSpan.FromSeconds(20));
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception ex)
        {
            // Exiting anyway; the folder is in the temp directory and named after this run.
            Console.Error.WriteLine($"Could not stop the test PostgreSQL in {_directory}: {ex.Message}");
        }
    }

    private Task RunPgAsync(string tool, string[] args)
    {
        var path = Path.Combine(BinDirectory, tool);
        return _asPostgresUser ? RunAsync("runuser", ["-u", "postgres", "--", path, .. args]) : RunAsync(path, args);
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}
