using System.Diagnostics;
using System.Text.Json;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>The <c>im</c> command-line client run as its own process against a test server, as a user runs it.</summary>
public sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Task _stdout;
    private readonly Task<string> _stderr;

    private CliProcess(Process process)
    {
        _process = process;
        _stdout = ReadLinesAsync(process.StandardOutput);
        _stderr = process.StandardError.ReadToEndAsync();
    }

    private async Task ReadLinesAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }

    private string Stdout
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines) + (_lines.Count > 0 ? "\n" : "");
            }
        }
    }

    /// <summary>Waits until a line of standard output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            lock (_lines)
            {
                if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }
            }

            if (_process.HasExited && _stdout.IsCompleted)
            {
                break;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"im never printed \"{text}\"; output: {Stdout}; errors: {(_stderr.IsCompleted ? await _stderr : "")}");
    }

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "OrleansIm.Cli.dll");

    /// <summary>Starts <c>im</c> with the server's ports and <paramref name="args"/>; stdin stays open for <see cref="Input"/>.</summary>
    public static CliProcess Start(ImServer server, params string[] args) => Start(server.HttpPort, server.TcpPort, args);

    public static CliProcess Start(int httpPort, int tcpPort, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(DllPath);
        start.ArgumentList.Add("--host");
        start.ArgumentList.Add("127.0.0.1");
        start.ArgumentList.Add("--http-port");
        start.ArgumentList.Add(httpPort.ToString());
        start.ArgumentList.Add("--tcp-port");
        start.ArgumentList.Add(tcpPort.ToString());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "IM_UID", "IM_TOKEN", "IM_ADMIN_TOKEN", "IM_HOST", "IM_HTTP_PORT", "IM_TCP_PORT", "IM_TRANSPORT" })
        {
            start.Environment.Remove(name);
        }

        return new CliProcess(Process.Start(start)!);
    }

    /// <summary>Runs to completion (stdin closed at once).</summary>
    public static async Task<CliResult> RunAsync(ImServer server, params string[] args)
    {
        await using var cli = Start(server, args);
        cli.Input.Close();
        return await cli.WaitAsync();
    }

    public StreamWriter Input => _process.StandardInput;

    public async Task<CliResult> WaitAsync(TimeSpan? timeout = null)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"im did not finish; output so far: {Stdout}");
        }

        await _stdout;
        return new CliResult(_process.ExitCode, Stdout, await _stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The JSON lines of a <c>--json</c> run.</summary>
    public IReadOnlyList<JsonElement> Events => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => JsonDocument.Parse(line).RootElement).ToList();

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
