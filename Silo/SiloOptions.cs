using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Silo;

/// <summary>The Orleans silo's own settings, bound from the <c>Orleans</c> configuration section.</summary>
public sealed class SiloOptions
{
    public const string Section = "Orleans";

    /// <summary>Silo-to-silo port.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port for Orleans clients (tools); the chat clients use the gateway ports instead.</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Silos with the same ClusterId and connection string form one cluster.</summary>
    [Required]
    public string ClusterId { get; set; } = "orleansim";

    /// <summary>Names the stored grain state; keep it stable across deployments.</summary>
    [Required]
    public string ServiceId { get; set; } = "orleansim";

    /// <summary>The address other silos reach this one at (PostgreSQL mode).</summary>
    [Required]
    public string AdvertisedIP { get; set; } = "127.0.0.1";

    /// <summary>How long start-up waits for PostgreSQL to accept a connection before refusing to start.</summary>
    public TimeSpan DatabaseWaitTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>This silo's name in the membership table (App Service: the instance id); empty: Orleans picks one.</summary>
    public string SiloName { get; set; } = "";

    /// <summary>Serves the Orleans Dashboard at <see cref="DashboardPath"/> when true (no authentication of its own: expose it only to operators).</summary>
    public bool DashboardEnabled { get; set; }

    public string DashboardPath { get; set; } = "/dashboard";
}
