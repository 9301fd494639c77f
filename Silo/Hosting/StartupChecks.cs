namespace OrleansIm.Silo.Hosting;

/// <summary>Settings that cannot work together, refused before anything starts.</summary>
public static class StartupChecks
{
    /// <summary>Every port this process listens on must be its own.</summary>
    public static void Ports(OrleansIm.Gateway.GatewayOptions gateway, SiloOptions silo)
    {
        var ports = new List<(string Key, int Port)>
        {
            ("Gateway:HttpPort", gateway.HttpPort),
            ("Gateway:TcpPort", gateway.TcpPort),
            ("Orleans:SiloPort", silo.SiloPort),
            ("Orleans:GatewayPort", silo.GatewayPort),
        };
        if (gateway.HttpPort == 0)
        {
            throw new StartupException("Gateway:HttpPort is 0: the HTTP/WebSocket port is required (only Gateway:TcpPort may be 0, to turn raw TCP off)");
        }

        foreach (var clash in ports.Where(p => p.Port != 0).GroupBy(p => p.Port).Where(g => g.Count() > 1))
        {
            throw new StartupException($"{string.Join(" and ", clash.Select(p => p.Key))} are all {clash.Key}: each needs a port of its own");
        }
    }

    /// <summary>Every trusted proxy must be an IP address or a CIDR network.</summary>
    public static void Proxies(OrleansIm.Gateway.GatewayOptions gateway)
    {
        foreach (var proxy in gateway.TrustedProxies)
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _) && !System.Net.IPNetwork.TryParse(proxy, out _))
            {
                throw new StartupException($"Gateway:TrustedProxies: \"{proxy}\" is neither an IP address nor a CIDR network");
            }
        }
    }

    /// <summary>
    /// Settings of a section that validates itself (webhooks: a URL that is not http(s), a short secret, an unknown
    /// event type; moderation: also a bad timeout or failure mode; retention: a negative age or count, a batch out of
    /// range): the first problem, refused before anything starts.
    /// </summary>
    public static void Section<TOptions>(Microsoft.Extensions.Configuration.IConfiguration configuration, string section)
        where TOptions : System.ComponentModel.DataAnnotations.IValidatableObject, new()
    {
        var options = configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
        var problem = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).FirstOrDefault();
        if (problem is not null)
        {
            throw new StartupException(problem.ErrorMessage!);
        }
    }
}
