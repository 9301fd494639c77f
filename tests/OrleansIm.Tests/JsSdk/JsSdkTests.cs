using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.JsSdk;

/// <summary>
/// The JavaScript SDK (sdk/js) against real gateways started here: its node tests (every typed call, refusals, a cut
/// connection, a restart in PostgreSQL mode), its type declarations under tsc, and its npm tarball installed into a
/// fresh project. The node side prints everything it did; a failure shows it.
/// </summary>
public sealed class JsSdkTests
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Every_call_refusals_and_a_cut_connection_through_the_sdk()
    {
        await using var server = await ImServer.StartAsync();
        await using var proxy = new TcpProxy(server.HttpPort);
        await using var control = new ControlEndpoint(new Dictionary<string, Func<Task>>
        {
            ["down"] = () => { proxy.Down(); return Task.CompletedTask; },
            ["up"] = () => { proxy.Up(); return Task.CompletedTask; },
        });

        var environment = new Dictionary<string, string>
        {
            ["IM_HTTP_URL"] = server.HttpUri.ToString(),
            ["IM_PROXY_URL"] = $"http://127.0.0.1:{proxy.Port}/",
            ["IM_CONTROL_URL"] = control.Url,
        };
        var output = await SdkPackage.NodeAsync(["--test", "--test-force-exit", "test/calls.test.mjs", "test/model.test.mjs"], environment, NodeTimeout);
        Assert.Contains("# fail 0", output);

        // Run on its own so that its report streams: a hang shows how far it got.
        var cut = await SdkPackage.NodeAsync(["test/resend.test.mjs"], environment, NodeTimeout);
        Assert.Contains("# pass 1", cut);
    }

    [Fact]
    public async Task The_node_sample_logs_in_and_sends()
    {
        await SdkPackage.EnsureInstalledAsync();
        var sample = Path.Combine(RepositoryRoot.Path, "samples", "node");
        var install = await NodeProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], sample, timeout: TimeSpan.FromMinutes(3));
        Assert.True(install.ExitCode == 0, install.Output);

        await using var server = await ImServer.StartAsync();
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var b = await server.LoginAsync("tcp", bob);
        var run = await NodeProcess.RunAsync("node", ["chat.mjs", "--server", server.HttpUri.ToString(), "--uid", alice.ToString(), "--to", bob.ToString(), "--say", "hello from node"],
            sample, timeout: NodeTimeout);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"logged in as {alice}", run.Output);
        var received = (await b.ReceiveAsync(OrleansIm.Protocol.Cmd.Chat)).As(OrleansIm.Protocol.Messages.Chat.Parser);
        Assert.Equal((alice, "hello from node"), (received.Orig, received.Text));
    }

    [Fact]
    public async Task A_server_restart_mid_stream_is_survived_with_every_message_once_and_in_order()
    {
        var database = await PostgresServers.NewDatabaseAsync();
        var ports = FreePorts.Take(4);
        var pinned = new Dictionary<string, string?>
        {
            ["Gateway:HttpPort"] = ports[0].ToString(),
            ["Gateway:TcpPort"] = ports[1].ToString(),
            ["Orleans:SiloPort"] = ports[2].ToString(),
            ["Orleans:GatewayPort"] = ports[3].ToString(),
        };
        var server = await PostgresServers.StartAsync(database, pinned);
        try
        {
            await using var control = new ControlEndpoint(new Dictionary<string, Func<Task>>
            {
                ["restart"] = async () =>
                {
                    await server.StopAsync();
                    server = await PostgresServers.StartAsync(database, pinned);
                },
            });

            var output = await SdkPackage.NodeAsync(["--test", "--test-force-exit", "test/restart.test.mjs"], new Dictionary<string, string>
            {
                ["IM_HTTP_URL"] = server.HttpUri.ToString(),
                ["IM_CONTROL_URL"] = control.Url,
                ["IM_RESTART"] = "1",
            }, NodeTimeout);
            Assert.Contains("# pass 1", output);
        }
        finally
        {
            await server.StopAsync();
        }
    }

    [Fact]
    public async Task The_type_declarations_check_a_typed_example_with_tsc()
    {
        await SdkPackage.EnsureInstalledAsync();
        var tsc = Path.Combine(SdkPackage.Folder, "node_modules", ".bin", "tsc");
        var result = await NodeProcess.RunAsync(tsc, ["--noEmit", "-p", "test/tsconfig.json"], SdkPackage.Folder, timeout: NodeTimeout);
        Assert.True(result.ExitCode == 0, $"tsc --noEmit failed ({result.ExitCode}):\n{result.Output}");
    }

    [Fact]
    public async Task The_npm_tarball_installs_into_a_fresh_project_that_logs_in_and_sends()
    {
        await SdkPackage.EnsureInstalledAsync();
        await using var server = await ImServer.StartAsync();
        var work = Directory.CreateTempSubdirectory("im-sdk-pack-");
        try
        {
            var pack = await NodeProcess.RunAsync("npm", ["pack", "--pack-destination", work.FullName], SdkPackage.Folder, timeout: NodeTimeout);
            Assert.True(pack.ExitCode == 0, $"npm pack failed:\n{pack.Output}");
            var tarball = Path.Combine(work.FullName, "orleansim-client-0.1.0.tgz");
            Assert.True(File.Exists(tarball), $"no {tarball}:\n{pack.Output}");

            var consumer = Directory.CreateDirectory(Path.Combine(work.FullName, "consumer")).FullName;
            await File.WriteAllTextAsync(Path.Combine(consumer, "package.json"), "{\"name\":\"sdk-consumer\",\"private\":true,\"type\":\"module\"}");
            File.Copy(Path.Combine(SdkPackage.Folder, "test", "consumer.mjs"), Path.Combine(consumer, "consumer.mjs"));
            var install = await NodeProcess.RunAsync("npm", ["install", tarball, "ws@8.23.1", "--no-audit", "--no-fund", "--prefer-offline"], consumer, timeout: TimeSpan.FromMinutes(2));
            Assert.True(install.ExitCode == 0, $"npm install of the tarball failed:\n{install.Output}");
            Assert.False(Directory.Exists(Path.Combine(consumer, "node_modules", "orleansim-client", "test")), "the tarball ships only src, types and the README");

            var run = await NodeProcess.RunAsync("node", ["consumer.mjs"], consumer, new Dictionary<string, string> { ["IM_HTTP_URL"] = server.HttpUri.ToString() }, NodeTimeout);
            Assert.True(run.ExitCode == 0, $"the consumer failed ({run.ExitCode}):\n{run.Output}");
            Assert.Contains("received: hello from a packed SDK", run.Output);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
