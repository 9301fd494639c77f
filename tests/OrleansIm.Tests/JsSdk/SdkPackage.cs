using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.JsSdk;

/// <summary>The SDK's folder (sdk/js), with its dev dependencies installed once per test run from package-lock.json.</summary>
public static class SdkPackage
{
    public static string Folder { get; } = Path.Combine(RepositoryRoot.Path, "sdk", "js");

    private static readonly Lazy<Task<NodeProcess.Result>> Install = new(() => NodeProcess.RunAsync(
        "npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], Folder, timeout: TimeSpan.FromMinutes(3)));

    public static async Task EnsureInstalledAsync()
    {
        var result = await Install.Value;
        Assert.True(result.ExitCode == 0, $"npm ci in sdk/js failed ({result.ExitCode}):\n{result.Output}");
    }

    /// <summary>Runs node with the given arguments in sdk/js; fails the test with node's output unless it exits 0.</summary>
    public static async Task<string> NodeAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null)
    {
        await EnsureInstalledAsync();
        var result = await NodeProcess.RunAsync("node", arguments, Folder, environment, timeout);
        Assert.True(result.ExitCode == 0, $"node {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.Output}");
        return result.Output;
    }
}
