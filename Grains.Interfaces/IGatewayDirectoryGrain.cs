namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// The live gateway nodes of the cluster (key 0). Nodes register when they start and again after a silo dies;
/// nodes of dead silos are dropped. Used to find who is online without asking every user.
/// </summary>
[Alias("im.IGatewayDirectoryGrain")]
public interface IGatewayDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("Register")]
    Task Register(NodeRef node);

    [Alias("GetNodes")]
    Task<IReadOnlyList<NodeRef>> GetNodes();

    /// <summary>A node that stops leaves the list at once (nodes of dead silos are dropped anyway).</summary>
    [Alias("Unregister")]
    Task Unregister(uint nid);
}
