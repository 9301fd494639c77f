using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Ordering;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;

namespace OrleansIm.Grains.Users;

/// <summary>
/// A user: live sessions (memory only: the table pushes go through and that kicks a duplicate sid), contacts
/// (persisted), and the inbox (in the message store). Split by concept over the UserGrain.*.cs files.
/// </summary>
[GrainType("user")]
[Orleans.Placement.PreferLocalPlacement] // usually first called by the gateway the user logs in through: sessions and grain side by side
public sealed partial class UserGrain(
    [PersistentState(StorageNames.UserState, StorageNames.Provider)] IPersistentState<UserState> state,
    IMessageStore store,
    IOptions<UserOptions> options,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    IGatewayNodes nodes,
    SenderFloors floors,
    IOptions<OrderingOptions> ordering,
    [FromKeyedServices(ImClock.Key)] TimeProvider time,
    IOptions<ChatOptions> chatOptions,
    Events.WebhookEvents webhooks,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    // Sessions live only in memory, so the activation must outlive idle periods while anyone is connected.
    private static readonly TimeSpan KeepAliveWhileOnline = TimeSpan.FromDays(365);

    private readonly SessionTable _sessions = new();
    private MembershipVersion _checkedMembership = MembershipVersion.MinValue;
    private readonly UserOptions _options = options.Value;
    private NodePushOrder? _pushOrder;
    private IGrainTimer? _deadSiloCheck;

    private ulong Uid => (ulong)this.GetPrimaryKeyLong();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _head = await store.GetHeadAsync(LogKind.Inbox, Uid, cancellationToken);
        _persistedCursor = state.State.DeliveryCursor;
    }

    /// <summary>
    /// A session on another silo can outlive that silo without an OFFLINE: while there is one, a timer looks for
    /// silos declared dead, so that presence goes offline even when no push comes by. Sessions on this grain's own
    /// silo (the usual case: the grain is placed where its user logs in) die with it, so an idle user needs no timer.
    /// </summary>
    private void WatchRemoteSessions()
    {
        var here = localSilo.SiloAddress;
        bool remote = false;
        foreach (var session in _sessions)
        {
            if (!session.Address.Silo.Equals(here))
            {
                remote = true;
                break;
            }
        }

        if (remote && _deadSiloCheck is null)
        {
            _deadSiloCheck = this.RegisterGrainTimer(_ => { DropSessionsOfDeadSilos(); return Task.CompletedTask; }, _options.DeadSiloCheckInterval, _options.DeadSiloCheckInterval);
        }
        else if (!remote && _deadSiloCheck is not null)
        {
            _deadSiloCheck.Dispose();
            _deadSiloCheck = null;
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushCursorAsync(cancellationToken);
    }

    public async Task<OnlineResult> Online(SessionInfo session)
    {
        DropSessionsOfDeadSilos();
        if (_sessions.TryGetValue(session.Sid, out var older) && !SameConnection(older.Address, session.Address))
        {
            LogDuplicateSid(Uid, session.Sid, older.Address.Nid, session.Address.Nid);
            NodeOf(older.Address).Kick(older.Address.ConnectionId, ResultCode.SessionConflict).Ignore();
        }

        bool first = _sessions.Count == 0;
        var nodesBefore = OnlineNodes();
        _sessions.Set(session);
        ReportNodeChanges(nodesBefore);
        WatchRemoteSessions();
        DelayDeactivation(KeepAliveWhileOnline);
        if (first)
        {
            AnnouncePresence(online: true, session.Terminal);
        }

        await RecordEventAsync(Events.EventKinds.SessionOnline, w =>
        {
            w.WriteNumber("uid", Uid);
            w.WriteNumber("sid", session.Sid);
            w.WriteNumber("nid", session.Address.Nid);
            w.WriteNumber("terminal", session.Terminal);
            w.WriteBoolean("first", first);
        });
        return new OnlineResult(_head);
    }

    public async Task Offline(ulong sid, uint nid, long connectionId)
    {
        if (_sessions.TryGetValue(sid, out var current) && current.Address.Nid == nid && current.Address.ConnectionId == connectionId)
        {
            var nodesBefore = OnlineNodes();
            _sessions.Remove(sid);
            ReportNodeChanges(nodesBefore);
            WatchRemoteSessions();
            OnSessionsEnded();
            await RecordSessionEndedAsync(sid, nid);
        }
    }

    private Task RecordSessionEndedAsync(ulong sid, uint nid) =>
        RecordEventAsync(Events.EventKinds.SessionOffline, w =>
        {
            w.WriteNumber("uid", Uid);
            w.WriteNumber("sid", sid);
            w.WriteNumber("nid", nid);
            w.WriteBoolean("last", _sessions.Count == 0);
        });

    /// <summary>
    /// Records a webhook event about this user, in the order of this grain's calls. The change it describes has
    /// happened; a failure to record it is logged, not passed to the caller.
    /// </summary>
    private async Task RecordEventAsync(int kind, Action<System.Text.Json.Utf8JsonWriter> fields)
    {
        if (!webhooks.Wants(kind))
        {
            return;
        }

        try
        {
            await webhooks.RecordAsync(kind, fields);
        }
        catch (Exception ex)
        {
            LogEventLost(ex, Uid, Events.EventKinds.NameOf(kind));
        }
    }

    /// <summary>
    /// A gateway that died with its silo never sends OFFLINE for its sessions; they end when the cluster declares
    /// that silo dead, as if they had sent it.
    /// </summary>
    private void DropSessionsOfDeadSilos()
    {
        if (_sessions.Count == 0)
        {
            return;
        }

        // Every push passes here: look only when the cluster's view changed since the last look.
        var snapshot = membership.CurrentSnapshot;
        if (snapshot.Version == _checkedMembership)
        {
            return;
        }

        _checkedMembership = snapshot.Version;
        var dead = SessionsOfDeadSilos(snapshot);
        if (dead.Count == 0)
        {
            return;
        }

        var nodesBefore = OnlineNodes();
        foreach (var sid in dead)
        {
            var ended = _sessions[sid];
            _sessions.Remove(sid);
            if (webhooks.Wants(Events.EventKinds.SessionOffline))
            {
                RecordSessionEndedAsync(sid, ended.Address.Nid).Ignore();
            }
        }

        ReportNodeChanges(nodesBefore);
        WatchRemoteSessions();

        if (dead.Count > 0)
        {
            LogDeadSessionsDropped(Uid, dead.Count);
            OnSessionsEnded();
        }
    }

    // Apart from DropSessionsOfDeadSilos, which every push passes through: its lambda's capture of the snapshot would
    // be allocated on every call, even when the membership did not change.
    private List<ulong> SessionsOfDeadSilos(ClusterMembershipSnapshot snapshot) =>
        _sessions.Values.Where(s => snapshot.GetSiloStatus(s.Address.Silo) == SiloStatus.Dead).Select(s => s.Sid).ToList();

    private void OnSessionsEnded()
    {
        if (_sessions.Count == 0)
        {
            AnnouncePresence(online: false, 0);

            // Written with the next change or flush: presence only needs it roughly right after a crash.
            state.State.LastSeen = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
            _stateDirty = true;
            CursorMoved();

            // Back to the ordinary idle collection.
            DelayDeactivation(TimeSpan.Zero);
        }
    }

    public Task<int> KickAll(uint code)
    {
        foreach (var session in _sessions)
        {
            NodeOf(session.Address).Kick(session.Address.ConnectionId, code).Ignore();
        }

        // Each kicked connection ends its session as it closes.
        return Task.FromResult(_sessions.Count);
    }

    public Task<IReadOnlyList<SessionInfo>> GetSessions() =>
        Task.FromResult<IReadOnlyList<SessionInfo>>([.. _sessions.Values]);

    /// <summary>Sends one encoded frame to this user's sessions, one call per gateway node.</summary>
    private void Push(byte[] frame, ulong exceptSid = 0, uint pushClass = 0)
    {
        DropSessionsOfDeadSilos();

        // The common case, every target on one node, without building groups.
        SessionAddress? only = null;
        int targets = 0;
        foreach (var session in _sessions)
        {
            if (session.Sid == exceptSid)
            {
                continue;
            }

            if (only is not null && session.Address.Nid != only.Nid)
            {
                PushPerNode(frame, exceptSid, pushClass);
                return;
            }

            only = session.Address;
            targets++;
        }

        if (only is null)
        {
            return;
        }

        var ids = new long[targets];
        int i = 0;
        foreach (var session in _sessions)
        {
            if (session.Sid != exceptSid)
            {
                ids[i++] = session.Address.ConnectionId;
            }
        }

        NodeOf(only).Deliver(frame, ids, pushClass, NextPush(only.Nid)).Ignore();
    }

    private void PushPerNode(byte[] frame, ulong exceptSid, uint pushClass)
    {
        foreach (var node in _sessions.Values.Where(s => s.Sid != exceptSid).GroupBy(s => s.Address.Nid))
        {
            var targets = node.Select(s => s.Address.ConnectionId).ToArray();
            NodeOf(node.First().Address).Deliver(frame, targets, pushClass, NextPush(node.Key)).Ignore();
        }
    }

    /// <summary>Applies a change to the persisted state and writes it; a failed write restores the state before.</summary>
    private async Task ChangeStateAsync(Action<UserState> change)
    {
        await state.ChangeAsync(change);

        // The write carried the delivery cursor and whatever else had changed in memory too.
        _persistedCursor = state.State.DeliveryCursor;
        _stateDirty = false;
    }

    private IGatewayNode NodeOf(SessionAddress address) => nodes.Resolve(address.Node, address.Nid);

    /// <summary>The order of this activation's next push to node <paramref name="nid"/>.</summary>
    private PushOrder NextPush(uint nid) => (_pushOrder ??= new NodePushOrder(nodes, time)).Next(nid);

    private static bool SameConnection(SessionAddress a, SessionAddress b) =>
        a.Nid == b.Nid && a.ConnectionId == b.ConnectionId;

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "User {Uid}: recording a {Type} webhook event failed")]
    private partial void LogEventLost(Exception ex, ulong uid, string type);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "User {Uid}: dropped {Count} session(s) of dead silos")]
    private partial void LogDeadSessionsDropped(ulong uid, int count);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "User {Uid}: sid {Sid} logged in again (node {NewNid}); kicking the session on node {OldNid}")]
    private partial void LogDuplicateSid(ulong uid, ulong sid, uint oldNid, uint newNid);
}
