using System.Net;
using Microsoft.AspNetCore.Connections;
using Orleans.Configuration;
using OrleansIm.Grains.Ordering;
using GatewayOptions = OrleansIm.Gateway.GatewayOptions;
using OrleansIm.Gateway;
using OrleansIm.Gateway.Transport;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using OrleansIm.Gateway.Diagnostics;
using OrleansIm.Silo.Health;
using OrleansIm.Grains;
using OrleansIm.Grains.Directories;
using OrleansIm.Grains.Events;
using OrleansIm.Grains.Groups;
using OrleansIm.Grains.Rooms;
using OrleansIm.Grains.Storage;
using OrleansIm.Grains.Storage.Retention;
using OrleansIm.Grains.Users;
using OrleansIm.Silo.Hosting;
using OrleansIm.Silo.Storage;

namespace OrleansIm.Silo;

/// <summary>
/// Builds the one process: an Orleans silo, the gateway (HTTP + WebSocket and raw TCP on Kestrel) and the HTTP API.
/// Without <c>ConnectionStrings:Postgres</c> it is a single in-memory silo; with it, a member of a PostgreSQL-backed
/// cluster with durable grain state.
/// </summary>
public static partial class ImHost
{
    public const string PostgresConnectionName = "Postgres";

    private const string ReadyTag = "ready";

    /// <summary>
    /// Builds the application; <paramref name="configure"/> lets tests add configuration on top, and
    /// <paramref name="replace"/> replace services after all are registered (a fake clock, a recording grain layer).
    /// </summary>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null, Action<IServiceCollection>? replace = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder.Configuration);
        if (PlatformSettings.From(builder.Configuration) is { Count: > 0 } platform)
        {
            builder.Configuration.AddInMemoryCollection(platform);
        }

        var silo = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        // Shutdown: the gateway's drain, then the silo's own graceful stop (deactivations, leaving the cluster).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = gateway.DrainTimeout + TimeSpan.FromSeconds(30));
        StartupChecks.Ports(gateway, silo);
        StartupChecks.Proxies(gateway);
        StartupChecks.Section<WebhookOptions>(builder.Configuration, WebhookOptions.Section);
        StartupChecks.Section<RetentionOptions>(builder.Configuration, RetentionOptions.Section);
        StartupChecks.Section<OrleansIm.Gateway.Moderation.ModerationOptions>(builder.Configuration, OrleansIm.Gateway.Moderation.ModerationOptions.Section);
        var postgres = builder.Configuration.GetConnectionString(PostgresConnectionName);
        var durable = !string.IsNullOrWhiteSpace(postgres);

        builder.Services.AddOptions<SiloOptions>().Bind(builder.Configuration.GetSection(SiloOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<UserOptions>().Bind(builder.Configuration.GetSection(UserOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<NodeDirectoryOptions>().Bind(builder.Configuration.GetSection(NodeDirectoryOptions.Section));
        builder.Services.AddOptions<RoomOptions>().Bind(builder.Configuration.GetSection(RoomOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<GroupOptions>().Bind(builder.Configuration.GetSection(GroupOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<MessageStoreOptions>().Bind(builder.Configuration.GetSection(MessageStoreOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ChatOptions>().Bind(builder.Configuration.GetSection(ChatOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<OrderingOptions>().Bind(builder.Configuration.GetSection(OrderingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RetentionOptions>().Bind(builder.Configuration.GetSection(RetentionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<WebhookOptions>().Bind(builder.Configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SenderFloors>();
        builder.Services.AddSingleton<WebhookEvents>();
        if (durable)
        {
            // Registered before the silo so that the schema exists when the providers first read it.
            builder.Services.AddSingleton(sp => new SchemaMigrator(postgres!, sp.GetRequiredService<ILogger<SchemaMigrator>>()));
            builder.Services.AddHostedService<SchemaMigrationService>();
            builder.Services.AddSingleton(_ =>
            {
                var source = new NpgsqlDataSourceBuilder(postgres);

                // The store sends the same few statements all day: prepared once per connection, unless configured.
                if (source.ConnectionStringBuilder.MaxAutoPrepare == 0)
                {
                    source.ConnectionStringBuilder.MaxAutoPrepare = 16;
                }

                return source.Build();
            });
            builder.Services.AddSingleton<PostgresEventOutbox>();
            builder.Services.AddSingleton<IEventOutbox>(sp => sp.GetRequiredService<PostgresEventOutbox>());
            builder.Services.AddSingleton<PostgresMessageStore>();
            builder.Services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<PostgresMessageStore>());
            builder.Services.AddSingleton<IMessageTrimmer, PostgresRetention>();

            // Registered before the silo: its writers stop after the silo, once the grains made their last appends.
            builder.Services.AddHostedService<MessageStoreWriters>();
        }
        else
        {
            builder.Services.AddSingleton<MemoryEventOutbox>();
            builder.Services.AddSingleton<IEventOutbox>(sp => sp.GetRequiredService<MemoryEventOutbox>());
            builder.Services.AddSingleton<InMemoryMessageStore>();
            builder.Services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<InMemoryMessageStore>());
            builder.Services.AddSingleton<IMessageTrimmer>(sp => sp.GetRequiredService<InMemoryMessageStore>());
        }

        builder.UseOrleans(orleans =>
        {
            // How long an idle grain (an offline user, a quiet group) stays in memory: Orleans:GrainCollection:CollectionAge.
            orleans.Configure<GrainCollectionOptions>(builder.Configuration.GetSection(SiloOptions.Section + ":GrainCollection"));
            if (silo.DashboardEnabled)
            {
                orleans.AddDashboard();
            }

            if (durable)
            {
                orleans.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = silo.ClusterId;
                    o.ServiceId = silo.ServiceId;
                });
                orleans.ConfigureEndpoints(IPAddress.Parse(silo.AdvertisedIP), silo.SiloPort, silo.GatewayPort);
                if (silo.SiloName.Length > 0)
                {
                    orleans.Configure<Orleans.Configuration.SiloOptions>(o => o.SiloName = silo.SiloName);
                }

                orleans.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection(SiloOptions.Section + ":Membership"));

                // A storage failure in a grain reaches its caller on another silo as an error response. Orleans only
                // serializes exceptions of the namespaces it knows; without this an NpgsqlException there failed to
                // serialize, the response was dropped, and the caller waited for its 30 s response timeout.
                orleans.Services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));
                orleans.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = postgres;
                });
                orleans.AddAdoNetGrainStorage(StorageNames.Provider, o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = postgres;
                });
            }
            else
            {
                orleans.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, serviceId: silo.ServiceId, clusterId: silo.ClusterId);
                orleans.AddMemoryGrainStorage(StorageNames.Provider);
            }
        });

        builder.Services.AddImGateway(builder.Configuration);
        builder.Services.AddHostedService<WebhookDispatcher>();
        builder.Services.AddHostedService<RetentionService>();
        builder.Services.AddOpenApi();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ImMetrics.MeterName, "Microsoft.Orleans", "System.Runtime")
            .AddPrometheusExporter());
        var health = builder.Services.AddHealthChecks().AddCheck<GatewayHealthCheck>("gateway", tags: [ReadyTag]);
        if (durable)
        {
            health.AddCheck<PostgresHealthCheck>("postgres", tags: [ReadyTag]);
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = IPAddress.Parse(gateway.ListenAddress);
            kestrel.Listen(address, gateway.HttpPort);
            if (gateway.TcpPort != 0)
            {
                // Gateway:TcpPort=0 runs without the raw TCP listener (platforms that carry only HTTP and WebSocket).
                kestrel.Listen(address, gateway.TcpPort, listen => listen.UseConnectionHandler<TcpConnectionHandler>());
            }
        });

        replace?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapImGateway();
        app.MapOpenApi();
        app.MapPrometheusScrapingEndpoint();
        if (silo.DashboardEnabled)
        {
            app.MapOrleansDashboard(silo.DashboardPath);
        }
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        LogMode(app.Logger, durable ? "PostgreSQL (durable, clustered)" : "embedded (single silo, in-memory)",
            gateway.HttpPort, gateway.TcpPort, silo.SiloPort, silo.GatewayPort);
        return app;
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information,
        Message = "OrleansIm in {Mode} mode: HTTP/WebSocket port {HttpPort} (/im), TCP port {TcpPort} (0: off), silo port {SiloPort}, Orleans gateway port {OrleansGatewayPort}")]
    private static partial void LogMode(ILogger logger, string mode, int httpPort, int tcpPort, int siloPort, int orleansGatewayPort);
}
