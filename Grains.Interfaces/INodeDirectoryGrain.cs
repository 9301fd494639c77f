namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// The node directory (key 0): the reports of gateway nodes (ours, made on a timer, and external ones sent with
/// the node role). A node that has not reported within the expiry is dropped. Memory only: nodes keep reporting.
/// </summary>
[Alias("im.INodeDirectoryGrain")]
public interface INodeDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("ReportListener")]
    Task ReportListener(uint nid, NodeListener listener);

    [Alias("ReportForward")]
    Task ReportForward(uint nid, NodeForward forward);

    [Alias("ReportUsers")]
    Task ReportUsers(uint nid, uint users);

    /// <summary>The nodes that reported within the expiry, by nid.</summary>
    [Alias("GetNodes")]
    Task<IReadOnlyList<NodeListing>> GetNodes();
}
