using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OrleansIm.Gateway.Auth;
using OrleansIm.Gateway.Commands;
using OrleansIm.Gateway.Http;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Gateway.Transport;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway;

/// <summary>Registers the gateway (register after the Orleans silo, so the node starts once the silo is up).</summary>
public static class GatewayServiceCollectionExtensions
{
    public static IServiceCollection AddImGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Moderation.ModerationOptions>().Bind(configuration.GetSection(Moderation.ModerationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Moderation.Moderator>();
        services.AddOptions<Http.AccountOptions>().Bind(configuration.GetSection(Http.AccountOptions.Section));
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddKeyedSingleton(ImClock.Key, TimeProvider.System);
        services.AddSingleton<TokenService>();
        services.AddSingleton<GatewayNode>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayNode>());
        services.AddSingleton<IGrainRefs, GrainRefs>();
        services.AddSingleton<Grains.Interfaces.IGatewayNodes, LocalGatewayNodes>();
        services.AddSingleton<ICommandModule, SessionCommands>();
        services.AddSingleton<ICommandModule, ChatCommands>();
        services.AddSingleton<ICommandModule, ContactCommands>();
        services.AddSingleton<ICommandModule, GroupCommands>();
        services.AddSingleton<ICommandModule, RoomCommands>();
        services.AddSingleton<ICommandModule, PushCommands>();
        services.AddSingleton<ICommandModule, AccountCommands>();
        services.AddSingleton<Diagnostics.ImMetrics>();
        services.AddSingleton<CommandRouter>();
        services.AddSingleton<Admission>();
        services.AddSingleton<ConnectionServices>();
        services.AddSingleton<TcpConnectionHandler>();
        return services;
    }

    public static IEndpointRouteBuilder MapImGateway(this WebApplication app)
    {
        app.UseTrustedForwardedHeaders(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GatewayOptions>>().Value.TrustedProxies);
        app.UseWebSockets();
        app.UseWebClient();
        app.Map(WebSocketEndpoint.Path, (Microsoft.AspNetCore.Http.HttpContext context, ConnectionServices services) => WebSocketEndpoint.HandleAsync(context, services));
        app.MapTokenEndpoints(app.Environment);
        app.MapAdminEndpoints();
        app.MapGet("/healthz", () => Microsoft.AspNetCore.Http.Results.Text("ok"));
        return app;
    }
}
