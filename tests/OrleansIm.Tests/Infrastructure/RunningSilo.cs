using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansIm.Client;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>The Silo executable running as a separate process on free ports, as an operator starts it.</summary>
public sealed class RunningSilo : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private RunningSilo(Process process, int[] ports, string address)
    {
        _process = process;
        Ports = ports;
        Address = address;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>HTTP, TCP, silo and Orleans gateway ports; pass them again to restart on the same endpoints.</summary>
    public int[] Ports { get; }

    /// <summary>The address its gateway listens on: 127.0.0.1, or its host's address when it runs in a network namespace.</summary>
    public string Address { get; }

    public int HttpPort => Ports[0];

    public int TcpPort => Ports[1];

    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts the process and waits until <c>/healthz</c> answers (on the HTTP port, ports[0]). With
    /// <paramref name="netns"/> it runs inside that network namespace (<c>ip netns exec</c>), listening and advertising
    /// <paramref name="address"/>, as a silo on a host of its own.
    /// </summary>
    public static async Task<RunningSilo> StartAsync(IDictionary<string, string> environment, int[]? ports = null, string? netns = null, string address = "127.0.0.1")
    {
        ports ??= FreePorts.Take(4);
        var start = new ProcessStartInfo(netns is null ? "dotnet" : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        if (netns is not null)
        {
            start.ArgumentList.Add("netns");
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(netns);
            start.ArgumentList.Add("dotnet");
            start.Environment["Orleans__AdvertisedIP"] = address;
        }

        start.ArgumentList.Add(SiloProcess.DllPath);
        start.Environment["Gateway__ListenAddress"] = address;
        start.Environment["Gateway__HttpPort"] = ports[0].ToString();
        start.Environment["Gateway__TcpPort"] = ports[1].ToString();
        start.Environment["Orleans__SiloPort"] = ports[2].ToString();
        start.Environment["Orleans__GatewayPort"] = ports[3].ToString();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var silo = new RunningSilo(Process.Start(start)!, ports, address);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync($"http://{address}:{silo.HttpPort}/healthz")).IsSuccessStatusCode)
                {
                    return silo;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or listening but not answering within the probe's 2 s (a loaded machine).
            }

            if (silo._process.HasExited || DateTime.UtcNow > deadline)
            {
                await silo.DisposeAsync();
                throw new InvalidOperationException($"the silo did not come up:\n{silo.Output}");
            }

            await Task.Delay(100);
        }
    }

    public Task<ImClient> ConnectTcpAsync() => ImClient.ConnectTcpAsync(Address, TcpPort);

    /// <summary>Sends SIGTERM (what systemd, Kubernetes and App Service send) and waits for the process to exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Completes when the process exits by itself or is ended; then <see cref="ExitCode"/> says how.</summary>
    public Task Exited => _process.WaitForExitAsync();

    public int ExitCode => _process.ExitCode;

    /// <summary>Ends the process at once (SIGKILL): no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await KillAsync();
        _process.Dispose();
    }

    private bool _disposed;
}
