using System.Diagnostics;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.Sdk;

/// <summary>
/// The packages as an app team gets them: <c>dotnet pack</c> of Protocol and Client into a local folder, a fresh
/// console project outside the repository that references OrleansIm.Client from that folder and compiles the
/// sample's Program.cs, and that program sending a message to a running server.
/// </summary>
public sealed class PackageTests(ITestOutputHelper log)
{
    [Fact]
    public async Task The_packed_sdk_installs_into_a_fresh_project_that_runs_the_sample()
    {
        var work = Directory.CreateTempSubdirectory("im-sdk-").FullName;
        try
        {
            // A version of its own, so that no copy in the NuGet cache from an earlier run is used instead.
            var version = $"0.1.0-test{DateTime.UtcNow:yyyyMMddHHmmss}{Random.Shared.Next(1000):D3}";
            var feed = Path.Combine(work, "feed");
            foreach (var project in new[] { "Protocol/Protocol.csproj", "Client/Client.csproj" })
            {
                var packed = await RunAsync(RepositoryRoot.Path, "dotnet", "pack", project, "-c", "Release", "-o", feed, $"-p:Version={version}", "-v", "q", "-nologo");
                Assert.True(packed.ExitCode == 0, packed.Output);
            }

            Assert.True(File.Exists(Path.Combine(feed, $"OrleansIm.Client.{version}.nupkg")));
            var app = Path.Combine(work, "app");
            Directory.CreateDirectory(app);
            await File.WriteAllTextAsync(Path.Combine(app, "App.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="OrleansIm.Client" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="sdk" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.Copy(Path.Combine(RepositoryRoot.Path, "samples", "dotnet", "ConsoleChat", "Program.cs"), Path.Combine(app, "Program.cs"));
            var built = await RunAsync(app, "dotnet", "build", "-v", "q", "-nologo");
            Assert.True(built.ExitCode == 0, built.Output);

            await using var server = await ImServer.StartAsync();
            ulong alice = Ids.Next(), bob = Ids.Next();
            var ran = await RunAsync(app, "dotnet", ["run", "--no-build", "--", server.HttpUri.ToString(), alice.ToString(), bob.ToString()], stdin: "hello from the package\n");
            log.WriteLine(ran.Output);
            Assert.True(ran.ExitCode == 0, ran.Output);
            Assert.Contains($"logged in as {alice}", ran.Output);
            Assert.Contains("sent (seq 1)", ran.Output);

            await using var b = await server.LoginAsync("tcp", bob);
            var (_, frames) = await b.SyncAsync(seq: 0);
            var message = Assert.Single(frames).As(Chat.Parser);
            Assert.Equal((alice, "hello from the package"), (message.Orig, message.Text));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string directory, string file, params string[] args) => RunAsync(directory, file, args, stdin: null);

    private static async Task<(int ExitCode, string Output)> RunAsync(string directory, string file, string[] args, string? stdin)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} {string.Join(' ', args)} did not end in 4 minutes\n{await output}\n{await errors}");
        }

        return (process.ExitCode, $"{await output}\n{await errors}");
    }
}
