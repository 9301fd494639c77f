using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Directories;

/// <summary>The reports of gateway nodes, kept until a node stops reporting for the configured expiry.</summary>
[GrainType("nodes")]
public sealed class NodeDirectoryGrain(IOptions<NodeDirectoryOptions> options, [FromKeyedServices(ImClock.Key)] TimeProvider time) : Grain, INodeDirectoryGrain
{
    private readonly Dictionary<uint, NodeListing> _nodes = [];

    public Task ReportListener(uint nid, NodeListener listener)
    {
        var node = Current(nid);
        var listeners = node.Listeners.Where(l => l.Type != listener.Type).Append(listener).OrderBy(l => l.Type).ToList();
        Store(node with { Listeners = listeners });
        return Task.CompletedTask;
    }

    public Task ReportForward(uint nid, NodeForward forward)
    {
        Store(Current(nid) with { Forward = forward });
        return Task.CompletedTask;
    }

    public Task ReportUsers(uint nid, uint users)
    {
        Store(Current(nid) with { Users = users });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<NodeListing>> GetNodes()
    {
        var cutoff = time.GetUtcNow() - options.Value.Expiry;
        foreach (var stale in _nodes.Values.Where(n => n.LastReport < cutoff).ToList())
        {
            _nodes.Remove(stale.Nid);
        }

        return Task.FromResult<IReadOnlyList<NodeListing>>([.. _nodes.Values.OrderBy(n => n.Nid)]);
    }

    private NodeListing Current(uint nid) =>
        _nodes.TryGetValue(nid, out var node) ? node : new NodeListing(nid, [], null, 0, default);

    private void Store(NodeListing node)
    {
        _nodes[node.Nid] = node with { LastReport = time.GetUtcNow() };

        // Memory only: an idle collection would forget every node until its next report.
        DelayDeactivation(options.Value.Expiry * 2);
    }
}
