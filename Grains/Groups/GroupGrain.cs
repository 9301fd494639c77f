using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Ordering;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Groups;

/// <summary>
/// A group: roles and lists (persisted), the log (message store), and the delivery index of which members are
/// online on which gateway node, so that a message costs one call per node. Split over the GroupGrain.*.cs files.
/// </summary>
[GrainType("group")]
public sealed partial class GroupGrain(
    [PersistentState(StorageNames.GroupState, StorageNames.Provider)] IPersistentState<GroupState> state,
    IMessageStore store,
    IOptions<GroupOptions> options,
    IClusterMembershipService membership,
    IGatewayNodes nodes,
    SenderFloors floors,
    IOptions<OrderingOptions> ordering,
    [FromKeyedServices(ImClock.Key)] TimeProvider time,
    IOptions<ChatOptions> chatOptions,
    Events.WebhookEvents webhooks,
    ILogger<GroupGrain> logger) : Grain, IGroupGrain
{
    private readonly Dictionary<uint, (NodeRef Node, HashSet<ulong> Uids)> _online = [];
    private readonly GroupOptions _options = options.Value;
    private ulong _head;
    private IssueOrder<LogDelivery>? _deliveries;
    private NodePushOrder? _pushOrder;

    private ulong Gid => (ulong)this.GetPrimaryKeyLong();

    private GroupState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _head = await store.GetHeadAsync(LogKind.Group, Gid, cancellationToken);
        if (S.Exists)
        {
            await RebuildOnlineIndexAsync();
        }
    }

    public Task MemberPresence(ulong uid, NodeRef node, bool online)
    {
        if (S.Members.Contains(uid))
        {
            SetOnline(uid, node, online);
        }

        return Task.CompletedTask;
    }

    /// <summary>After an activation (first use, idle collection, a dead silo) nobody has told this grain who is online: ask the gateways.</summary>
    private async Task RebuildOnlineIndexAsync()
    {
        var members = S.Members.ToArray();
        var nodes = await GrainFactory.GetGrain<IGatewayDirectoryGrain>(0).GetNodes();
        foreach (var node in nodes)
        {
            try
            {
                foreach (var uid in await node.Node.FindLocalUsers(members))
                {
                    SetOnline(uid, node, online: true);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // That node's members are reported again as their sessions come and go.
                LogNodeUnreachable(ex, Gid, node.Nid);
            }
        }
    }

    private void SetOnline(ulong uid, NodeRef node, bool online)
    {
        if (online)
        {
            if (!_online.TryGetValue(node.Nid, out var entry))
            {
                entry = (node, []);
                _online[node.Nid] = entry;
            }

            entry.Uids.Add(uid);
        }
        else if (_online.TryGetValue(node.Nid, out var entry) && entry.Uids.Remove(uid) && entry.Uids.Count == 0)
        {
            _online.Remove(node.Nid);
        }
    }

    private void ForgetOnline(ulong uid)
    {
        foreach (var nid in _online.Keys.ToList())
        {
            SetOnline(uid, _online[nid].Node, online: false);
        }
    }

    /// <summary>One call per gateway node hosting online members; the node writes the same bytes to each session.</summary>
    private void Deliver(byte[] frame, SessionAddress? except = null, uint pushClass = 0)
    {
        var snapshot = membership.CurrentSnapshot;
        foreach (var (nid, entry) in _online.ToList())
        {
            if (snapshot.GetSiloStatus(entry.Node.Silo) == SiloStatus.Dead)
            {
                _online.Remove(nid);
                continue;
            }

            var skip = except is not null && except.Nid == nid ? except.ConnectionId : 0;
            nodes.Resolve(entry.Node.Node, nid).DeliverToUsers(frame, [.. entry.Uids], skip, pushClass, (_pushOrder ??= new NodePushOrder(nodes, time)).Next(nid)).Ignore();
        }
    }

    /// <summary>
    /// Appends a notice about <paramref name="uid"/> (a change made by <paramref name="by"/>) to the log, delivers it to
    /// the online members, and records its group.member webhook event.
    /// </summary>
    private async Task NoticeAsync(uint cmd, ulong uid, ulong by)
    {
        // Every GROUP-*-NTC has the layout {1 uid, 2 gid}.
        var body = Google.Protobuf.MessageExtensions.ToByteArray(new GroupJoinNtc { Uid = uid, Gid = Gid });
        await AppendAsync(cmd, 0, 0, body, except: null);
        await RecordMemberEventAsync(MemberChanges[cmd], uid, by);
    }

    private static readonly Dictionary<uint, string> MemberChanges = new()
    {
        [Cmd.GroupJoinNtc] = "join",
        [Cmd.GroupQuitNtc] = "quit",
        [Cmd.GroupKickNtc] = "kick",
        [Cmd.GroupBlAddNtc] = "ban",
        [Cmd.GroupBlDelNtc] = "unban",
        [Cmd.GroupGagAddNtc] = "mute",
        [Cmd.GroupGagDelNtc] = "unmute",
        [Cmd.GroupMgrAddNtc] = "manager",
        [Cmd.GroupMgrDelNtc] = "unmanager",
    };

    /// <summary>Records a group.member webhook event; the change has happened, so a failure to record is only logged.</summary>
    private async Task RecordMemberEventAsync(string change, ulong uid, ulong by)
    {
        if (!webhooks.Wants(Events.EventKinds.GroupMember))
        {
            return;
        }

        try
        {
            await webhooks.RecordAsync(Events.EventKinds.GroupMember, w =>
            {
                w.WriteNumber("gid", Gid);
                w.WriteNumber("uid", uid);
                w.WriteString("change", change);
                w.WriteNumber("by", by);
                w.WriteNumber("members", S.Members.Count);
            });
        }
        catch (Exception ex)
        {
            LogEventLost(ex, Gid, change);
        }
    }

    /// <summary>Members with no session online now (but <paramref name="sender"/>).</summary>
    private List<ulong> OfflineMembers(ulong sender)
    {
        var online = new HashSet<ulong>();
        foreach (var entry in _online.Values)
        {
            online.UnionWith(entry.Uids);
        }

        return [.. S.Members.Where(uid => uid != sender && !online.Contains(uid)).Order()];
    }

    /// <summary>
    /// Appends to the log: the store numbers the entries in the order of these calls, and a new entry is delivered
    /// after the entries appended before it, whatever order their commits are learnt in.
    /// </summary>
    private async Task<AppendResult> AppendAsync(uint cmd, ulong orig, ulong serial, byte[] body, SessionAddress? except)
    {
        var deliveries = _deliveries ??= new IssueOrder<LogDelivery>(d => Deliver(d.Frame, d.Except));
        var ticket = deliveries.Issue();
        AppendResult appended;
        try
        {
            var events = webhooks.Enabled && cmd == Cmd.GroupChat ? webhooks.ForGroup(() => OfflineMembers(orig)) : null;
            appended = await store.AppendAsync(new LogAppend(LogKind.Group, Gid, cmd, orig, serial, body, events));
        }
        catch
        {
            deliveries.Abandon(ticket);
            throw;
        }

        if (appended.Inserted)
        {
            _head = Math.Max(_head, appended.Seq);
            if (orig != 0 && cmd == Cmd.GroupChat)
            {
                NoteMessage(new LastMessage(appended.Seq, orig, (ulong)time.GetUtcNow().ToUnixTimeMilliseconds(), Users.Previews.OfGroupChat(body)));
            }
        }

        deliveries.Complete(ticket, appended.Inserted ? new LogDelivery(FrameWriter.EncodeRaw(cmd, FrameHeader.FlagSystem, 0, 0, appended.Seq, body), except) : null);
        return appended;
    }

    /// <summary>A log entry's frame for the online members (but <see cref="Except"/>) once it is its turn.</summary>
    private readonly record struct LogDelivery(byte[] Frame, SessionAddress? Except);

    private Task ChangeStateAsync(Action<GroupState> change) => state.ChangeAsync(change);

    private IUserGrain User(ulong uid) => GrainFactory.GetGrain<IUserGrain>((long)uid);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Group {Gid}: recording a group.member webhook event ({Change}) failed")]
    private partial void LogEventLost(Exception ex, ulong gid, string change);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Group {Gid}: gateway node {Nid} did not answer who is online")]
    private partial void LogNodeUnreachable(Exception ex, ulong gid, uint nid);
}
