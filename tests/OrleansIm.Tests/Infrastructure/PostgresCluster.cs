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

    private static readonly Lazy<Task<PostgresCluster>> Shared = new(() => StartAsync());

    private readonly string _directory;
    private readonly bool _asPostgresUser;
    private readonly string _listen;
    private int _databases;

    private PostgresCluster(string directory, int port, bool asPostgresUser, string listen)
    {
        _directory = directory;
        Port = port;
        _asPostgresUser = asPostgresUser;
        _listen = listen;
        Host = listen.Split(',')[^1];
    }

    /// <summary>The address its connection strings name: 127.0.0.1, or the extra address it was started with.</summary>
    public string Host { get; }

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
        $"Host={Host};Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20;Timeout=15";

    /// <summary>A server of the caller's own, for tests that stop it or cut its connections (the shared one is never touched).</summary>
    public static Task<PostgresCluster> StartPrivateAsync() => StartAsync();

    /// <summary>
    /// A server of the caller's own that also listens on <paramref name="address"/> (a bridge to network namespaces)
    /// and lets <paramref name="subnet"/> (CIDR) connect without a password; its connection strings name that address.
    /// </summary>
    public static Task<PostgresCluster> StartPrivateAsync(string address, string subnet) => StartAsync(address, subnet);

    /// <summary>Stops the server (fast shutdown: open connections are cut); <see cref="StartAgainAsync"/> brings it back on the same port.</summary>
    public Task StopAsync() => RunPgAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-m", "fast", "-w", "-t", "60", "stop"]);

    public Task StartAgainAsync() => RunPgAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {_directory} -c listen_addresses={_listen} -c fsync=off -c full_page_writes=off -c max_connections=300", "start"]);

    /// <summary>Ends every backend serving the given database (pg_terminate_backend), as a failover or an operator would.</summary>
    public async Task<int> TerminateBackendsAsync(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", connection);
        command.Parameters.AddWithValue("db", database!);
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    /// <summary>Stops a private server and removes its folder.</summary>
    public void Dispose() => Stop();

    private static async Task<PostgresCluster> StartAsync(string? address = null, string? subnet = null)
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 server binaries are missing in {BinDirectory}: apt-get install -y postgresql-15 (scripts/test.sh does this).");
        }

        RemoveStale();
        bool asPostgresUser = Environment.UserName == "root";
        var directory = Path.Combine(Path.GetTempPath(), $"orleansim-pg-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        if (asPostgresUser)
        {
            await RunAsync("chown", ["postgres:postgres", directory]);
        }

        var port = FreePorts.Take(1)[0];
        var cluster = new PostgresCluster(directory, port, asPostgresUser, address is null ? "127.0.0.1" : $"127.0.0.1,{address}");
        var data = Path.Combine(directory, "data");
        await cluster.RunPgAsync("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions"]);
        if (subnet is not null)
        {
            await File.AppendAllTextAsync(Path.Combine(data, "pg_hba.conf"), $"host all all {subnet} trust\n");
        }

        await cluster.StartAgainAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        return cluster;
    }

    // The test host may be ended soon after ProcessExit starts, so stopping must be quick: SIGQUIT is PostgreSQL's
    // immediate shutdown. Whatever is left behind is removed by the next run (RemoveStale).
    private void Stop()
    {
        StopServer(_directory);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // The server's last processes may still be removing their files; the next run removes the folder.
        }
    }

    private static void StopServer(string directory)
    {
        var pidFile = Path.Combine(directory, "data", "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
        {
            // SIGQUIT: immediate shutdown of the postmaster and its backends. A pid that is gone just fails.
            _ = SendSignal(pid, SigQuit);
        }
    }

    /// <summary>Removes the servers and folders of earlier test runs whose process is gone.</summary>
    private static void RemoveStale()
    {
        foreach (var directory in Directory.GetDirectories(Path.GetTempPath(), "orleansim-pg-*"))
        {
            var parts = Path.GetFileName(directory).Split('-');
            if (parts.Length < 3 || !int.TryParse(parts[2], out var owner) || IsAlive(owner))
            {
                continue;
            }

            StopServer(directory);
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Still shutting down; a later run removes it.
            }
        }
    }

    private const int SigQuit = 3;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static bool IsAlive(int pid)
    {
        try
        {
            return !Process.GetProcessById(pid).HasExited;
        }
        catch (ArgumentException)
        {
            return false;
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
