using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIm.Grains.Interfaces;
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
    ILogger<GroupGrain> logger) : Grain, IGroupGrain
{
    private readonly Dictionary<uint, (NodeRef Node, HashSet<ulong> Uids)> _online = [];
    private readonly GroupOptions _options = options.Value;
    private ulong _head;

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

    public Task<ulong> GetHead() => Task.FromResult(_head);

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
    private void Deliver(byte[] frame, SessionAddress? except = null)
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
            nodes.Resolve(entry.Node.Node, nid).DeliverToUsers(frame, [.. entry.Uids], skip).Ignore();
        }
    }

    /// <summary>Appends a notice about <paramref name="uid"/> to the log and delivers it to the online members.</summary>
    private async Task NoticeAsync(uint cmd, ulong uid)
    {
        // Every GROUP-*-NTC has the layout {1 uid, 2 gid}.
        var body = Google.Protobuf.MessageExtensions.ToByteArray(new GroupJoinNtc { Uid = uid, Gid = Gid });
        var appended = await store.AppendAsync(new LogAppend(LogKind.Group, Gid, _head + 1, cmd, 0, 0, body));
        _head = appended.Seq;
        Deliver(FrameWriter.EncodeRaw(cmd, FrameHeader.FlagSystem, 0, 0, appended.Seq, body));
    }

    private Task ChangeStateAsync(Action<GroupState> change) => state.ChangeAsync(change);

    private IUserGrain User(ulong uid) => GrainFactory.GetGrain<IUserGrain>((long)uid);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Group {Gid}: gateway node {Nid} did not answer who is online")]
    private partial void LogNodeUnreachable(Exception ex, ulong gid, uint nid);
}
