using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Ordering;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Rooms;

/// <summary>The room commands: create, dismiss, join, quit, kick, chat and broadcast.</summary>
public sealed partial class RoomGrain
{
    public async Task<uint> Create(ulong owner, string name, string desc)
    {
        if (S.Exists)
        {
            return ResultCode.AlreadyExists;
        }

        await ChangeStateAsync(s =>
        {
            s.Exists = true;
            s.Owner = owner;
            s.Name = name;
            s.Desc = desc;
            s.Managers = [];
            s.Banned = [];
        });
        return ResultCode.Ok;
    }

    public async Task<uint> Dismiss(ulong caller)
    {
        if (!S.Exists)
        {
            return ResultCode.NotFound;
        }

        if (caller != S.Owner)
        {
            return ResultCode.PermissionDenied;
        }

        await ChangeStateAsync(s => s.Exists = false);
        Evict(_sessions.Keys, Encode(Cmd.RoomDismiss, new RoomDismiss { Uid = caller, Rid = Rid }));
        _broadcasts.Clear();
        _bucketCounts.Clear();
        return ResultCode.Ok;
    }

    public Task<RoomJoinResult> Join(ulong uid, SessionAddress session)
    {
        var refusal = !S.Exists ? ResultCode.NotFound
            : S.Banned.Contains(uid) ? ResultCode.Banned
            : _sessions.ContainsKey((session.Nid, session.ConnectionId)) ? ResultCode.AlreadyExists
            : ResultCode.Ok;
        if (refusal != ResultCode.Ok)
        {
            return Task.FromResult(new RoomJoinResult(refusal, 0, []));
        }

        var bucket = PickBucket();
        var notice = Encode(Cmd.RoomJoinNtc, new RoomJoinNtc { Uid = uid, Rid = Rid });
        DeliverToRoom(0, notice, except: null, pushClass: Cmd.RoomJoinNtc);
        AddSession(uid, session, bucket);

        var now = time.GetUtcNow();
        return Task.FromResult(new RoomJoinResult(ResultCode.Ok, bucket, [.. _broadcasts.Where(b => b.Expires > now).Select(b => b.Frame)]));
    }

    public Task<uint> Quit(SessionAddress session) =>
        Task.FromResult(RemoveSession(session.Nid, session.ConnectionId, announce: true) ? ResultCode.Ok : ResultCode.NotMember);

    public async Task<uint> Kick(ulong caller, ulong target)
    {
        var refusal = !S.Exists ? ResultCode.NotFound
            : caller == target ? ResultCode.InvalidParameter
            : caller != S.Owner && !S.Managers.Contains(caller) ? ResultCode.PermissionDenied
            : target == S.Owner || (caller != S.Owner && S.Managers.Contains(target)) ? ResultCode.PermissionDenied
            : ResultCode.Ok;
        if (refusal != ResultCode.Ok)
        {
            return refusal;
        }

        if (!S.Banned.Contains(target))
        {
            await ChangeStateAsync(s => s.Banned.Add(target));
        }

        Evict(_sessions.Where(s => s.Value.Uid == target).Select(s => s.Key), Encode(Cmd.RoomKick, new RoomKick { Uid = target, Rid = Rid }));
        DeliverToRoom(0, Encode(Cmd.RoomKickNtc, new RoomKickNtc { Uid = target, Rid = Rid }), except: null);
        return ResultCode.Ok;
    }

    public async Task<uint> SetBanned(ulong target, bool banned)
    {
        if (!S.Exists)
        {
            return ResultCode.NotFound;
        }

        if (banned == S.Banned.Contains(target))
        {
            return banned ? ResultCode.AlreadyExists : ResultCode.NotFound;
        }

        await ChangeStateAsync(s =>
        {
            if (banned)
            {
                s.Banned.Add(target);
            }
            else
            {
                s.Banned.Remove(target);
            }
        });
        if (banned)
        {
            Evict(_sessions.Where(s => s.Value.Uid == target).Select(s => s.Key), Encode(Cmd.RoomKick, new RoomKick { Uid = target, Rid = Rid }));
            DeliverToRoom(0, Encode(Cmd.RoomKickNtc, new RoomKickNtc { Uid = target, Rid = Rid }), except: null);
        }

        return ResultCode.Ok;
    }

    public async Task<uint> SetManager(ulong uid, bool manager)
    {
        if (!S.Exists)
        {
            return ResultCode.NotFound;
        }

        if (uid == S.Owner || manager == S.Managers.Contains(uid))
        {
            return uid == S.Owner ? ResultCode.InvalidParameter : manager ? ResultCode.AlreadyExists : ResultCode.NotFound;
        }

        await ChangeStateAsync(s =>
        {
            if (manager)
            {
                s.Managers.Add(uid);
            }
            else
            {
                s.Managers.Remove(uid);
            }
        });
        return ResultCode.Ok;
    }

    private CallSequencer? _order;

    public Task<(uint Code, uint Bucket)> Chat(SessionAddress session, byte[] body, CallOrder order)
    {
        // Delivered as it starts: a message must start in the order its connection sent it.
        if (order.Index != 0 && (_order ??= new CallSequencer(this, floors, ordering.Value)).Enter(order) is { } turn)
        {
            return ChatAfterAsync(turn, session, body, order);
        }

        return Task.FromResult(DeliverChat(session, body));
    }

    private async Task<(uint Code, uint Bucket)> ChatAfterAsync(Task turn, SessionAddress session, byte[] body, CallOrder order)
    {
        await turn;
        _order!.Resume(order);
        return DeliverChat(session, body);
    }

    private (uint Code, uint Bucket) DeliverChat(SessionAddress session, byte[] body)
    {
        if (!S.Exists)
        {
            return (ResultCode.NotFound, 0u);
        }

        if (!_sessions.TryGetValue((session.Nid, session.ConnectionId), out var entry))
        {
            return (ResultCode.NotMember, 0u);
        }

        DeliverToRoom(entry.Bucket, FrameWriter.EncodeRaw(Cmd.RoomChat, FrameHeader.FlagSystem, 0, 0, 0, body), except: session);
        return (ResultCode.Ok, entry.Bucket);
    }

    public Task<uint> Broadcast(ulong caller, bool asAdmin, byte[] body, uint expireSeconds)
    {
        if (!S.Exists)
        {
            return Task.FromResult(ResultCode.NotFound);
        }

        if (!asAdmin && caller != S.Owner && !S.Managers.Contains(caller))
        {
            return Task.FromResult(ResultCode.PermissionDenied);
        }

        var frame = FrameWriter.EncodeRaw(Cmd.RoomBc, FrameHeader.FlagSystem, 0, 0, 0, body);
        DeliverToRoom(0, frame, except: null);
        var expiry = TimeSpan.FromSeconds(expireSeconds);
        if (expireSeconds > 0 && _options.MaxKeptBroadcasts > 0)
        {
            if (expiry > _options.MaxBroadcastExpiry)
            {
                expiry = _options.MaxBroadcastExpiry;
            }

            if (_broadcasts.Count >= _options.MaxKeptBroadcasts)
            {
                _broadcasts.RemoveAt(0);
            }

            _broadcasts.Add((time.GetUtcNow() + expiry, frame));
        }

        return Task.FromResult(ResultCode.Ok);
    }
}
