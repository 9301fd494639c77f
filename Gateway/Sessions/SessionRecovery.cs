using Microsoft.Extensions.Logging;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// Keeping grains right when a silo dies: user and room grains keep sessions in memory only, so when a silo dies and
/// the grains it hosted come back empty elsewhere, this node registers its live sessions (and their rooms) again, and
/// itself in the gateway directory.
/// </summary>
public sealed partial class SessionRecovery(
    GatewayNode node,
    ConnectionRegistry registry,
    IGrainFactory grains,
    IClusterMembershipService membership,
    GatewayOptions options,
    TimeProvider time,
    ILogger logger)
{
    private const int MaxReRegisterAttempts = 6;

    public Task RegisterInDirectoryAsync() =>
        grains.GetGrain<IGatewayDirectoryGrain>(0).Register(new NodeRef(node.Nid, node.Reference, node.SiloAddress));

    /// <summary>Watches the cluster until <paramref name="cancellationToken"/> is cancelled; acts on every newly dead silo.</summary>
    public async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        var dead = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                if (DeclaredDead(snapshot))
                {
                    // This silo was cut off and the others declared it dead; Orleans ends the process. The sessions it
                    // still holds are stale (their clients have logged in elsewhere with the same sid): registering
                    // them again would take the user's grain over from those new sessions and kick them.
                    LogDeclaredDead(logger, node.Nid);
                    return;
                }

                var newlyDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress)).ToList();
                if (newlyDead.Count > 0)
                {
                    // The directory may have lived on the dead silo.
                    try
                    {
                        await RegisterInDirectoryAsync();
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Groups activated before the next silo change will not find this node's members at once;
                        // they learn them as sessions come and go.
                        LogDirectoryRegisterFailed(logger, ex, node.Nid);
                    }

                    await RegisterSessionsAgainAsync(cancellationToken);

                    // Until the grain directory has settled, a registration can land on an activation that is then
                    // dropped as a duplicate; a second round after the settle delay covers that.
                    await Task.Delay(options.SessionRecheckDelay, time, cancellationToken);
                    await RegisterSessionsAgainAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task RegisterSessionsAgainAsync(CancellationToken cancellationToken)
    {
        // Right after a death the grain directory may still point at the dead silo, so failures are retried.
        var pending = registry.All.Where(c => c.Session is not null && !c.IsClosing).ToList();
        int registered = 0;
        for (int attempt = 1; pending.Count > 0; attempt++)
        {
            var failed = new List<ImConnection>();
            foreach (var connection in pending)
            {
                if (DeclaredDead(membership.CurrentSnapshot))
                {
                    LogDeclaredDead(logger, node.Nid);
                    return;
                }

                var session = connection.Session!;
                try
                {
                    await grains.GetGrain<IUserGrain>((long)session.Uid).Online(new SessionInfo(session.Sid, node.AddressOf(connection), session.Terminal));
                    await RejoinRoomsAsync(connection, session);
                    registered++;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // Calls into a grain whose silo just died may also fail as cancelled: retried like any failure.
                    if (attempt == MaxReRegisterAttempts)
                    {
                        // This session stays unknown to its grain until it reconnects; its messages wait in the inbox.
                        LogReRegisterFailed(logger, ex, session.Uid, session.Sid);
                    }
                    else
                    {
                        failed.Add(connection);
                    }
                }
            }

            pending = failed;
            if (pending.Count > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), time, cancellationToken);
            }
        }

        LogReRegistered(logger, node.Nid, registered);
    }

    /// <summary>
    /// Room membership lives in room grains' memory: a room that came back empty after a silo died gets this
    /// node's sessions again (a session it still has answers 20016 and stays as it is).
    /// </summary>
    private async Task RejoinRoomsAsync(ImConnection connection, ConnectionSession session)
    {
        if (!session.HasRooms)
        {
            return;
        }

        foreach (var rid in session.Rooms.Keys)
        {
            var joined = await grains.GetGrain<IRoomGrain>((long)rid).Join(session.Uid, node.AddressOf(connection));
            if (joined.Code == ResultCode.Ok)
            {
                registry.JoinRoom(rid, connection, joined.Bucket);
            }
            else if (joined.Code != ResultCode.AlreadyExists)
            {
                registry.LeaveRoom(rid, connection);
            }
        }
    }

    private bool DeclaredDead(ClusterMembershipSnapshot snapshot) =>
        snapshot.Members.TryGetValue(node.SiloAddress, out var self) && self.Status == SiloStatus.Dead;

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Gateway node {Nid}: this silo has been declared dead; its sessions are not registered again")]
    private static partial void LogDeclaredDead(ILogger logger, uint nid);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Gateway node {Nid}: a silo died; registered {Count} live session(s) again")]
    private static partial void LogReRegistered(ILogger logger, uint nid, int count);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Could not register session uid {Uid} sid {Sid} again")]
    private static partial void LogReRegisterFailed(ILogger logger, Exception ex, ulong uid, ulong sid);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Gateway node {Nid}: registering in the gateway directory failed")]
    private static partial void LogDirectoryRegisterFailed(ILogger logger, Exception ex, uint nid);
}
