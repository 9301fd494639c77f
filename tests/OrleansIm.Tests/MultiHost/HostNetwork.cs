using System.Diagnostics;
using System.Text.RegularExpressions;

namespace OrleansIm.Tests.MultiHost;

/// <summary>
/// Hosts of their own on this machine: a bridge in the root namespace (address .1 of a free 10.223.X.0/24) and, per
/// host, a network namespace joined to it by a veth pair, with its own address (.11, .12, …) and loopback up. Names
/// start with "imt" and the test process id (scripts/netcluster.sh uses "imnc"), so a script run and the suite never
/// touch each other's; what a killed test run left behind is removed by the next one. Needs root.
/// </summary>
public sealed partial class HostNetwork : IDisposable
{
    private const string Prefix = "imt";
    private static int _networks;

    private readonly string _name;
    private bool _removed;

    private HostNetwork(string name, string subnet, int count)
    {
        _name = name;
        Subnet = subnet;
        Namespaces = [.. Enumerable.Range(1, count).Select(i => $"{name}{i}")];
        Addresses = [.. Enumerable.Range(1, count).Select(i => $"{subnet}.{10 + i}")];
    }

    /// <summary>The first three octets, e.g. "10.223.7".</summary>
    public string Subnet { get; }

    /// <summary>The bridge's address, where PostgreSQL listens for the hosts.</summary>
    public string BridgeAddress => $"{Subnet}.1";

    public string Cidr => $"{Subnet}.0/24";

    public string[] Namespaces { get; }

    public string[] Addresses { get; }

    /// <summary>The root-namespace end of host <paramref name="host"/>'s link: down cuts the host off from everyone.</summary>
    public string LinkOf(int host) => $"{_name}{host + 1}";

    /// <summary>
    /// Creates the bridge and <paramref name="count"/> hosts. Fails with one line saying what is missing when this
    /// machine refuses (not root, no network namespaces); whatever was made by then is removed.
    /// </summary>
    public static HostNetwork Create(int count)
    {
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException($"the multi-host tests need root (ip netns, ip link); running as {Environment.UserName}");
        }

        RemoveStale();
        var number = Interlocked.Increment(ref _networks);
        var name = $"{Prefix}{Environment.ProcessId}{(char)('a' + number % 26)}";
        var network = new HostNetwork(name, FreeSubnet(number), count);
        try
        {
            Ip("link", "add", name, "type", "bridge");
            Ip("addr", "add", $"{network.BridgeAddress}/24", "dev", name);
            Ip("link", "set", name, "up");
            for (var i = 0; i < count; i++)
            {
                var ns = network.Namespaces[i];
                Ip("netns", "add", ns);
                Ip("-n", ns, "link", "set", "lo", "up");
                Ip("link", "add", network.LinkOf(i), "type", "veth", "peer", "name", "eth0", "netns", ns);
                Ip("link", "set", network.LinkOf(i), "master", name, "up");
                Ip("-n", ns, "addr", "add", $"{network.Addresses[i]}/24", "dev", "eth0");
                Ip("-n", ns, "link", "set", "eth0", "up");
            }
        }
        catch
        {
            network.Dispose();
            throw;
        }

        return network;
    }

    /// <summary>Cuts host <paramref name="host"/> off (its link down): packets to and from it are dropped, nothing is refused.</summary>
    public void Cut(int host) => Ip("link", "set", LinkOf(host), "down");

    public void Heal(int host) => Ip("link", "set", LinkOf(host), "up");

    /// <summary>Ends every process still inside the hosts, then removes the namespaces, links and bridge.</summary>
    public void Dispose()
    {
        if (_removed)
        {
            return;
        }

        _removed = true;
        for (var host = 0; host < Namespaces.Length; host++)
        {
            Remove(Namespaces[host]);

            // A namespace outlives its deletion while sockets in it still retransmit to a host cut off (its link down);
            // deleting the link here keeps it from staying behind in the root namespace meanwhile.
            TryIp("link", "delete", LinkOf(host));
        }

        TryIp("link", "delete", _name);
    }

    private static void Remove(string ns)
    {
        if (TryIp("netns", "pids", ns) is { } pids)
        {
            foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                TryKill(int.Parse(pid));
            }
        }

        TryIp("netns", "delete", ns);
    }

    /// <summary>Removes the namespaces and links of earlier test runs whose process is gone (a killed run).</summary>
    private static void RemoveStale()
    {
        foreach (var ns in (TryIp("netns", "list") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]))
        {
            if (OwnerOf(ns) is { } owner && !IsAlive(owner))
            {
                Remove(ns);
            }
        }

        foreach (var line in (TryIp("-o", "link", "show") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var link = line.Split(": ")[1].Split('@')[0];
            if (OwnerOf(link) is { } owner && !IsAlive(owner))
            {
                TryIp("link", "delete", link);
            }
        }
    }

    private static int? OwnerOf(string name) => OwnedName().Match(name) is { Success: true } m ? int.Parse(m.Groups[1].Value) : null;

    [GeneratedRegex(@"^imt(\d+)[a-z]")]
    private static partial Regex OwnedName();

    /// <summary>
    /// A 10.223.X.0/24 that no interface of this machine has an address in; networks of one run start their search at
    /// different X, so two made at once do not pick the same.
    /// </summary>
    private static string FreeSubnet(int number)
    {
        var used = Run("ip", ["-o", "-4", "addr", "show"]);
        var start = (Environment.ProcessId * 7 + number * 31) % 250;
        for (var i = 0; i < 250; i++)
        {
            var subnet = $"10.223.{(start + i) % 250}";
            if (!used.Contains($" {subnet}.", StringComparison.Ordinal))
            {
                return subnet;
            }
        }

        throw new InvalidOperationException("no free 10.223.X.0/24 subnet for the multi-host tests");
    }

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

    private static void TryKill(int pid)
    {
        try
        {
            Process.GetProcessById(pid).Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static void Ip(params string[] args) => Run("ip", args);

    /// <summary>Runs ip; null when it fails (removing what is already gone).</summary>
    private static string? TryIp(params string[] args)
    {
        try
        {
            return Run("ip", args);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string Run(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not finish in 30 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the multi-host tests need network namespaces: `{file} {string.Join(' ', args)}` failed: {stderr.Result.Trim()}");
        }

        return stdout.Result;
    }
}
