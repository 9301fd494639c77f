using Microsoft.Extensions.Logging;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Sessions;

/// <summary>Keeping grains right when a silo dies: directory registration and sessions registered again.</summary>
public sealed partial class GatewayNode
{
    private Task RegisterInDirectoryAsync() =>
        grains.GetGrain<IGatewayDirectoryGrain>(0).Register(new NodeRef(Nid, Reference, silo.SiloAddress));

    /// <summary>
    /// User grains keep sessions in memory only. When a silo dies, the grains it hosted come back empty elsewhere,
    /// so this node registers its live sessions again (a repeated registration of the same connection is a no-op).
    /// </summary>
    private async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        var dead = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
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
                        LogDirectoryRegisterFailed(logger, ex, Nid);
                    }
                    await RegisterSessionsAgainAsync(cancellationToken);

                    // Until the grain directory has settled, a registration can land on an activation that is then
                    // dropped as a duplicate; a second round after the settle delay covers that.
                    await Task.Delay(_options.SessionRecheckDelay, time, cancellationToken);
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
        var pending = _connections.Values.Where(c => c.Session is not null && !c.IsClosing).ToList();
        int registered = 0;
        for (int attempt = 1; pending.Count > 0; attempt++)
        {
            var failed = new List<ImConnection>();
            foreach (var connection in pending)
            {
                var session = connection.Session!;
                try
                {
                    await grains.GetGrain<IUserGrain>((long)session.Uid).Online(new SessionInfo(session.Sid, AddressOf(connection), session.Terminal));
                    await RejoinRoomsAsync(connection, session.Uid);
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

        LogReRegistered(logger, Nid, registered);
    }

    /// <summary>
    /// Room membership lives in room grains' memory: a room that came back empty after a silo died gets this
    /// node's sessions again (a session it still has answers 20016 and stays as it is).
    /// </summary>
    private async Task RejoinRoomsAsync(ImConnection connection, ulong uid)
    {
        if (!connection.HasRooms)
        {
            return;
        }

        foreach (var rid in connection.Rooms.Keys)
        {
            var joined = await grains.GetGrain<IRoomGrain>((long)rid).Join(uid, AddressOf(connection));
            if (joined.Code == ResultCode.Ok)
            {
                JoinRoomLocally(rid, connection, joined.Bucket);
            }
            else if (joined.Code != ResultCode.AlreadyExists)
            {
                LeaveRoomLocally(rid, connection);
            }
        }
    }
}
