using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Directories;

/// <summary>The live gateway nodes (memory only: nodes register again when they start and after a silo dies).</summary>
[GrainType("gateways")]
public sealed class GatewayDirectoryGrain(IClusterMembershipService membership) : Grain, IGatewayDirectoryGrain
{
    private readonly Dictionary<uint, NodeRef> _nodes = [];

    public Task Register(NodeRef node)
    {
        _nodes[node.Nid] = node;

        // Memory only: an idle collection would forget the nodes.
        DelayDeactivation(TimeSpan.FromDays(365));
        return Task.CompletedTask;
    }

    public Task Unregister(uint nid)
    {
        _nodes.Remove(nid);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<NodeRef>> GetNodes()
    {
        var snapshot = membership.CurrentSnapshot;
        foreach (var dead in _nodes.Values.Where(n => snapshot.GetSiloStatus(n.Silo) == SiloStatus.Dead).ToList())
        {
            _nodes.Remove(dead.Nid);
        }

        return Task.FromResult<IReadOnlyList<NodeRef>>([.. _nodes.Values.OrderBy(n => n.Nid)]);
    }
}
