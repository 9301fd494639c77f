using Google.Protobuf;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Groups;

/// <summary>Creating and dismissing, joining, quitting, inviting, and what owners and managers do to members.</summary>
public sealed partial class GroupGrain
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
            s.Members = [owner];
            s.Created = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
        });
        AddOnline(owner, await User(owner).AddGroup(Gid, created: true, [], _head));
        await RecordMemberEventAsync("create", owner, owner);
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

        var members = S.Members.ToList();
        await ChangeStateAsync(s =>
        {
            s.Exists = false;
            s.Members = [];
            s.Managers = [];
            s.Gagged = [];
            s.Banned = [];
        });
        _online.Clear();

        // The notice goes through each member's inbox: after this the group is gone, so its log is never synced.
        var notice = new GroupDimiss { Uid = caller, Gid = Gid }.ToByteArray();
        await Task.WhenAll(members.Select(uid => User(uid).RemoveGroup(Gid, Cmd.GroupDimiss, notice)));
        await RecordMemberEventAsync("dismiss", caller, caller);
        return ResultCode.Ok;
    }

    public async Task<uint> Join(ulong uid)
    {
        var refusal = !S.Exists ? ResultCode.NotFound
            : S.Banned.Contains(uid) ? ResultCode.Banned
            : S.Members.Contains(uid) ? ResultCode.AlreadyExists
            : S.Members.Count >= _options.MaxMembers ? ResultCode.CapacityReached
            : ResultCode.Ok;
        if (refusal != ResultCode.Ok)
        {
            return refusal;
        }

        await AddMemberAsync(uid, [], uid);
        return ResultCode.Ok;
    }

    public async Task<uint> Invite(ulong inviter, ulong invitee, byte[] inviteBody)
    {
        var refusal = !S.Exists ? ResultCode.NotFound
            : !S.Members.Contains(inviter) ? ResultCode.NotMember
            : S.Banned.Contains(invitee) ? ResultCode.Banned
            : S.Members.Contains(invitee) ? ResultCode.AlreadyExists
            : S.Members.Count >= _options.MaxMembers ? ResultCode.CapacityReached
            : ResultCode.Ok;
        if (refusal != ResultCode.Ok)
        {
            return refusal;
        }

        await AddMemberAsync(invitee, inviteBody, inviter);
        return ResultCode.Ok;
    }

    public async Task<uint> Quit(ulong uid)
    {
        if (!S.Exists)
        {
            return ResultCode.NotFound;
        }

        if (!S.Members.Contains(uid))
        {
            return ResultCode.NotMember;
        }

        // The owner dismisses instead.
        if (uid == S.Owner)
        {
            return ResultCode.PermissionDenied;
        }

        await RemoveMemberAsync(uid, 0);
        await NoticeAsync(Cmd.GroupQuitNtc, uid, uid);
        return ResultCode.Ok;
    }

    public async Task<GroupErasure> EraseMember(ulong uid)
    {
        if (!S.Exists || !S.Members.Contains(uid))
        {
            return GroupErasure.NotMember;
        }

        var outcome = GroupErasure.Left;
        if (uid == S.Owner)
        {
            var heir = S.Managers.Where(m => m != uid).DefaultIfEmpty().Min();
            if (heir == 0)
            {
                heir = S.Members.Where(m => m != uid).DefaultIfEmpty().Min();
            }

            if (heir == 0)
            {
                await Dismiss(uid);
                return GroupErasure.Dismissed;
            }

            await ChangeStateAsync(s =>
            {
                s.Owner = heir;
                s.Managers.Remove(heir);
            });
            await RecordMemberEventAsync("owner", heir, uid);
            outcome = GroupErasure.OwnershipPassed;
        }

        await RemoveMemberAsync(uid, 0);
        await NoticeAsync(Cmd.GroupQuitNtc, uid, uid);
        return outcome;
    }

    public async Task<uint> Moderate(ulong caller, ulong target, GroupAction action)
    {
        var refusal = CheckRank(caller, target, action);
        if (refusal != ResultCode.Ok)
        {
            return refusal;
        }

        switch (action)
        {
            case GroupAction.Kick:
                if (!S.Members.Contains(target))
                {
                    return ResultCode.NotMember;
                }

                // Removed first: the target learns through its inbox, the members through the log.
                await RemoveMemberAsync(target, Cmd.GroupKickNtc);
                await NoticeAsync(Cmd.GroupKickNtc, target, caller);
                return ResultCode.Ok;

            case GroupAction.BlacklistAdd:
                if (S.Banned.Contains(target))
                {
                    return ResultCode.AlreadyExists;
                }

                await ChangeStateAsync(s => s.Banned.Add(target));
                if (S.Members.Contains(target))
                {
                    await RemoveMemberAsync(target, Cmd.GroupBlAddNtc);
                }

                await NoticeAsync(Cmd.GroupBlAddNtc, target, caller);
                return ResultCode.Ok;

            case GroupAction.GagAdd:
                return await ToggleAsync(g => g.Gagged, target, add: true, mustBeMember: true, Cmd.GroupGagAddNtc, caller);
            case GroupAction.GagDel:
                return await ToggleAsync(g => g.Gagged, target, add: false, mustBeMember: false, Cmd.GroupGagDelNtc, caller);
            case GroupAction.BlacklistDel:
                return await ToggleAsync(g => g.Banned, target, add: false, mustBeMember: false, Cmd.GroupBlDelNtc, caller);
            case GroupAction.ManagerAdd:
                return await ToggleAsync(g => g.Managers, target, add: true, mustBeMember: true, Cmd.GroupMgrAddNtc, caller);
            case GroupAction.ManagerDel:
                return await ToggleAsync(g => g.Managers, target, add: false, mustBeMember: false, Cmd.GroupMgrDelNtc, caller);
            default:
                return ResultCode.InvalidParameter;
        }
    }

    /// <summary>
    /// The rank rules: only the owner appoints or removes managers; the owner and managers moderate; nobody acts on
    /// the owner or on themselves; a manager cannot act on another manager.
    /// </summary>
    private uint CheckRank(ulong caller, ulong target, GroupAction action)
    {
        if (!S.Exists)
        {
            return ResultCode.NotFound;
        }

        if (caller == target)
        {
            return ResultCode.InvalidParameter;
        }

        bool isOwner = caller == S.Owner;
        bool isManager = S.Managers.Contains(caller);
        if (action is GroupAction.ManagerAdd or GroupAction.ManagerDel)
        {
            return isOwner ? ResultCode.Ok : ResultCode.PermissionDenied;
        }

        if (!isOwner && !isManager)
        {
            return ResultCode.PermissionDenied;
        }

        if (target == S.Owner || (!isOwner && S.Managers.Contains(target)))
        {
            return ResultCode.PermissionDenied;
        }

        return ResultCode.Ok;
    }

    private async Task<uint> ToggleAsync(Func<GroupState, HashSet<ulong>> list, ulong target, bool add, bool mustBeMember, uint noticeCmd, ulong caller)
    {
        if (mustBeMember && !S.Members.Contains(target))
        {
            return ResultCode.NotMember;
        }

        if (add == list(S).Contains(target))
        {
            return add ? ResultCode.AlreadyExists : ResultCode.NotFound;
        }

        await ChangeStateAsync(s =>
        {
            if (add)
            {
                list(s).Add(target);
            }
            else
            {
                list(s).Remove(target);
            }
        });
        await NoticeAsync(noticeCmd, target, caller);
        return ResultCode.Ok;
    }

    private async Task AddMemberAsync(ulong uid, byte[] invite, ulong by)
    {
        await ChangeStateAsync(s => s.Members.Add(uid));
        AddOnline(uid, await User(uid).AddGroup(Gid, created: false, invite, _head));
        await NoticeAsync(Cmd.GroupJoinNtc, uid, by);
    }

    /// <summary>Removes a member (and its manager and gag marks); <paramref name="noticeCmd"/> non-zero also tells it through its inbox.</summary>
    private async Task RemoveMemberAsync(ulong uid, uint noticeCmd)
    {
        await ChangeStateAsync(s =>
        {
            s.Members.Remove(uid);
            s.Managers.Remove(uid);
            s.Gagged.Remove(uid);
        });
        ForgetOnline(uid);
        var notice = noticeCmd == 0 ? [] : new GroupKickNtc { Uid = uid, Gid = Gid }.ToByteArray();
        await User(uid).RemoveGroup(Gid, noticeCmd, notice);
    }

    private void AddOnline(ulong uid, NodeRef[] nodes)
    {
        foreach (var node in nodes)
        {
            SetOnline(uid, node, online: true);
        }
    }
}
