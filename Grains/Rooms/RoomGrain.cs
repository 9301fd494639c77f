using Microsoft.Extensions.DependencyInjection;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Ordering;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Rooms;

/// <summary>
/// A live room: who is in it (per session, in buckets, counted per gateway node) and the live broadcasts, in
/// memory; owner, managers and bans persisted. Split over the RoomGrain.*.cs files.
/// </summary>
[GrainType("room")]
public sealed partial class RoomGrain(
    [PersistentState(StorageNames.RoomState, StorageNames.Provider)] IPersistentState<RoomState> state,
    IOptions<RoomOptions> options,
    IClusterMembershipService membership,
    IGatewayNodes nodes,
    SenderFloors floors,
    IOptions<OrderingOptions> ordering,
    [FromKeyedServices(ImClock.Key)] TimeProvider time) : Grain, IRoomGrain
{
    // Membership lives only in memory, so the activation must outlive idle periods while anyone is in the room.
    private static readonly TimeSpan KeepAliveWhileOccupied = TimeSpan.FromDays(365);

    private readonly Dictionary<(uint Nid, long Connection), (ulong Uid, uint Bucket)> _sessions = [];
    private readonly Dictionary<uint, RoomNode> _nodes = [];
    private readonly List<int> _bucketCounts = [];
    private readonly List<(DateTimeOffset Expires, byte[] Frame)> _broadcasts = [];
    private readonly RoomOptions _options = options.Value;
    private uint _lastPushedCount;
    private NodePushOrder? _pushOrder;

    private ulong Rid => (ulong)this.GetPrimaryKeyLong();

    /// <summary>The order of this activation's next push to node <paramref name="nid"/>.</summary>
    private PushOrder NextPush(uint nid) => (_pushOrder ??= new NodePushOrder(nodes, time)).Next(nid);

    private RoomState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_ => { OnTick(); return Task.CompletedTask; }, _options.UserCountInterval, _options.UserCountInterval);
        return Task.CompletedTask;
    }

    public Task<(uint Code, uint Count)> CountSessions() =>
        Task.FromResult(S.Exists ? (ResultCode.Ok, (uint)_sessions.Count) : (ResultCode.NotFound, 0u));

    public Task<RoomInfoResult> GetInfo() =>
        Task.FromResult(S.Exists
            ? new RoomInfoResult(ResultCode.Ok, S.Name, S.Desc, S.Owner, (uint)_sessions.Count)
            : new RoomInfoResult(ResultCode.NotFound, "", "", 0, 0));

    public Task Leave(uint nid, long connectionId)
    {
        RemoveSession(nid, connectionId, announce: true);
        return Task.CompletedTask;
    }

    /// <summary>Periodic: drop sessions of dead silos and expired broadcasts, and push a changed head count.</summary>
    private void OnTick()
    {
        var snapshot = membership.CurrentSnapshot;
        foreach (var nid in _nodes.Where(n => snapshot.GetSiloStatus(n.Value.Address.Silo) == SiloStatus.Dead).Select(n => n.Key).ToList())
        {
            foreach (var key in _sessions.Keys.Where(k => k.Nid == nid).ToList())
            {
                RemoveSession(key.Nid, key.Connection, announce: false);
            }
        }

        var now = time.GetUtcNow();
        _broadcasts.RemoveAll(b => b.Expires <= now);

        var count = (uint)_sessions.Count;
        if (S.Exists && count != _lastPushedCount)
        {
            _lastPushedCount = count;
            var frame = FrameWriter.Encode(Cmd.RoomUsrNum, FrameHeader.FlagSystem, 0, 0, 0, new RoomUsrNum { Rid = Rid, Num = count });
            DeliverToRoom(0, frame, except: null, pushClass: Cmd.RoomUsrNum);
        }
    }

    /// <summary>One call per gateway node with sessions in the bucket (0 = anywhere in the room).</summary>
    private void DeliverToRoom(uint bucket, byte[] frame, SessionAddress? except, uint pushClass = 0)
    {
        foreach (var (nid, node) in _nodes)
        {
            if (bucket == 0 || node.InBucket(bucket) > 0)
            {
                var skip = except is not null && except.Nid == nid ? except.ConnectionId : 0;
                nodes.Resolve(node.Address.Node, nid).DeliverToRoom(Rid, bucket, frame, skip, pushClass, NextPush(nid)).Ignore();
            }
        }
    }

    private void AddSession(ulong uid, SessionAddress session, uint bucket)
    {
        _sessions[(session.Nid, session.ConnectionId)] = (uid, bucket);
        if (!_nodes.TryGetValue(session.Nid, out var node))
        {
            node = new RoomNode(session);
            _nodes[session.Nid] = node;
        }

        node.Add(bucket);
        _bucketCounts[(int)bucket - 1]++;
        DelayDeactivation(KeepAliveWhileOccupied);
    }

    private bool RemoveSession(uint nid, long connectionId, bool announce)
    {
        if (!_sessions.Remove((nid, connectionId), out var entry))
        {
            return false;
        }

        _bucketCounts[(int)entry.Bucket - 1]--;
        if (_nodes.TryGetValue(nid, out var node) && node.Remove(entry.Bucket))
        {
            _nodes.Remove(nid);
        }

        if (announce)
        {
            var notice = FrameWriter.Encode(Cmd.RoomQuitNtc, FrameHeader.FlagSystem, 0, 0, 0, new RoomQuitNtc { Uid = entry.Uid, Rid = Rid });
            DeliverToRoom(0, notice, except: null, pushClass: Cmd.RoomQuitNtc);
        }

        if (_sessions.Count == 0)
        {
            DelayDeactivation(TimeSpan.Zero);
        }

        return true;
    }

    /// <summary>The first bucket with room for one more session, opening a new one when all are full.</summary>
    private uint PickBucket()
    {
        for (int i = 0; i < _bucketCounts.Count; i++)
        {
            if (_bucketCounts[i] < _options.BucketSize)
            {
                return (uint)i + 1;
            }
        }

        _bucketCounts.Add(0);
        return (uint)_bucketCounts.Count;
    }

    /// <summary>Takes sessions out of the room: each gets <paramref name="frame"/>, and its node forgets it.</summary>
    private void Evict(IEnumerable<(uint Nid, long Connection)> keys, byte[] frame)
    {
        foreach (var byNode in keys.ToList().GroupBy(k => k.Nid))
        {
            if (_nodes.TryGetValue(byNode.Key, out var node))
            {
                nodes.Resolve(node.Address.Node, byNode.Key).RemoveFromRoom(Rid, [.. byNode.Select(k => k.Connection)], frame, NextPush(byNode.Key)).Ignore();
            }

            foreach (var key in byNode)
            {
                RemoveSession(key.Nid, key.Connection, announce: false);
            }
        }
    }

    private Task ChangeStateAsync(Action<RoomState> change) => state.ChangeAsync(change);

    private static byte[] Encode(uint cmd, IMessage body) => FrameWriter.Encode(cmd, FrameHeader.FlagSystem, 0, 0, 0, body);
}
