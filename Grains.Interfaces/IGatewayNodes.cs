namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// Finds the gateway node to push through. A node in this process is called directly (a push is then a few queue
/// writes, not a message through the runtime's client); any other is reached through its observer reference.
/// </summary>
public interface IGatewayNodes
{
    /// <summary>The in-process node when <paramref name="nid"/> is this process's, else <paramref name="reference"/>.</summary>
    IGatewayNode Resolve(IGatewayNode reference, uint nid);

    /// <summary>Whether node <paramref name="nid"/> runs in this process (calls to it are direct, and keep their order).</summary>
    bool IsLocal(uint nid);
}
