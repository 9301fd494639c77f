namespace OrleansIm.Grains.Directories;

/// <summary>Node directory settings, bound from the <c>Nodes</c> configuration section.</summary>
public sealed class NodeDirectoryOptions
{
    public const string Section = "Nodes";

    /// <summary>A node silent for this long is dropped from the directory.</summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromSeconds(30);
}
