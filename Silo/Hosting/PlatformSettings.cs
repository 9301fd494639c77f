using System.Globalization;

namespace OrleansIm.Silo.Hosting;

/// <summary>
/// What a hosting platform tells the app through its environment, turned into this app's settings (and taking
/// precedence over them): Azure App Service's HTTP port (<c>PORT</c>, or <c>WEBSITES_PORT</c> for containers), the
/// private address and ports VNet integration gives each instance for silo-to-silo and Orleans gateway traffic
/// (<c>WEBSITE_PRIVATE_IP</c>, <c>WEBSITE_PRIVATE_PORTS</c>), and the instance id as the silo's name
/// (<c>WEBSITE_INSTANCE_ID</c>). Without those variables nothing changes.
/// </summary>
public static class PlatformSettings
{
    /// <summary>The settings to lay over the configuration; throws <see cref="StartupException"/> for malformed values.</summary>
    public static Dictionary<string, string?> From(IConfiguration configuration)
    {
        var settings = new Dictionary<string, string?>();
        var port = configuration["PORT"] is { Length: > 0 } p ? ("PORT", p)
            : configuration["WEBSITES_PORT"] is { Length: > 0 } w ? ("WEBSITES_PORT", w)
            : default;
        if (port.Item1 is not null)
        {
            settings["Gateway:HttpPort"] = Port(port.Item1, port.Item2).ToString(CultureInfo.InvariantCulture);
        }

        if (configuration["WEBSITE_PRIVATE_IP"] is { Length: > 0 } ip)
        {
            if (!System.Net.IPAddress.TryParse(ip, out _))
            {
                throw new StartupException($"WEBSITE_PRIVATE_IP is \"{ip}\", not an IP address");
            }

            settings["Orleans:AdvertisedIP"] = ip;
        }

        if (configuration["WEBSITE_PRIVATE_PORTS"] is { Length: > 0 } ports)
        {
            var list = ports.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (list.Length < 2)
            {
                throw new StartupException($"WEBSITE_PRIVATE_PORTS is \"{ports}\": the silo needs two private ports (silo-to-silo and Orleans gateway)");
            }

            settings["Orleans:SiloPort"] = Port("WEBSITE_PRIVATE_PORTS", list[0]).ToString(CultureInfo.InvariantCulture);
            settings["Orleans:GatewayPort"] = Port("WEBSITE_PRIVATE_PORTS", list[1]).ToString(CultureInfo.InvariantCulture);
        }

        if (configuration["WEBSITE_INSTANCE_ID"] is { Length: > 0 } instance)
        {
            settings["Orleans:SiloName"] = instance;
        }

        return settings;
    }

    private static int Port(string variable, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new StartupException($"{variable} is \"{value}\", not a port number");
}

/// <summary>A configuration the server refuses to start with; the message says what to change.</summary>
public sealed class StartupException(string message) : Exception(message);
