using Microsoft.Extensions.Logging;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Ordering;

/// <summary>
/// Asks a gateway node how far one of its connections got: the lowest index of its ordered requests still running.
/// Only grains holding a request whose predecessor has not arrived ask, so this is off the hot path.
/// </summary>
public sealed partial class SenderFloors(IGrainFactory grains, IGatewayNodes nodes, ILogger<SenderFloors> logger)
{
    /// <summary>
    /// The floor of connection <paramref name="connection"/> on node <paramref name="nid"/>; <see cref="ulong.MaxValue"/>
    /// when the node or the connection is gone (nothing of it is running any more, or no one is left to answer).
    /// </summary>
    public async Task<ulong> AskAsync(uint nid, long connection)
    {
        try
        {
            var node = (await grains.GetGrain<IGatewayDirectoryGrain>(0).GetNodes()).FirstOrDefault(n => n.Nid == nid);
            if (node is null)
            {
                return ulong.MaxValue;
            }

            return await nodes.Resolve(node.Node, nid).GetStreamFloor(connection);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A node that cannot answer is dead or cut off: its requests cannot be waited for any longer.
            LogAskFailed(logger, ex, nid, connection);
            return ulong.MaxValue;
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Gateway node {Nid} did not say how far connection {Connection} got; its held requests start now")]
    private static partial void LogAskFailed(ILogger logger, Exception ex, uint nid, long connection);
}
