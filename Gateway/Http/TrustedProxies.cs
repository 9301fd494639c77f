using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;

namespace OrleansIm.Gateway.Http;

/// <summary>
/// X-Forwarded-For / X-Forwarded-Proto from the configured proxies only (<see cref="GatewayOptions.TrustedProxies"/>).
/// ASP.NET Core's defaults would trust loopback; here nothing is trusted unless configured.
/// </summary>
public static class TrustedProxies
{
    public static void UseTrustedForwardedHeaders(this IApplicationBuilder app, string[] proxies)
    {
        if (proxies.Length == 0)
        {
            return;
        }

        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = 1,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            if (proxy.Contains('/', StringComparison.Ordinal))
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
            }
            else
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        }

        app.UseForwardedHeaders(options);
    }
}
