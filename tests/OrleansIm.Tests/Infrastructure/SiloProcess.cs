using System.Diagnostics;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>Runs the Silo executable as its own process, as an operator would.</summary>
public static class SiloProcess
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "OrleansIm.Silo.dll");

    /// <summary>Runs to completion and returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(DllPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a silo with these settings and checks that it refuses to start: exit code 3 and one line on stderr containing <paramref name="said"/>.</summary>
    public static async Task AssertRefusedAsync(IDictionary<string, string> environment, string said)
    {
        var (exitCode, _, stderr) = await RunAsync(environment);
        Assert.Equal(3, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(said, line);
    }
}
