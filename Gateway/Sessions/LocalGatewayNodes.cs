using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Sessions;

/// <summary>This process's <see cref="GatewayNode"/> for grains in the same silo; the observer reference for others.</summary>
public sealed class LocalGatewayNodes(GatewayNode node) : IGatewayNodes
{
    public IGatewayNode Resolve(IGatewayNode reference, uint nid) => nid == node.Nid ? node : reference;

    public bool IsLocal(uint nid) => nid == node.Nid;
}
