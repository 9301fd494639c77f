using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;

namespace OrleansIm.Grains.Users;

/// <summary>Friends (by mutual request), blacklist, gag list and private marks.</summary>
public sealed partial class UserGrain
{
    public async Task<FriendRequestOutcome> OnFriendRequest(ulong orig, byte[] relayBody)
    {
        var s = state.State;
        if (s.Blacklist.Contains(orig))
        {
            return FriendRequestOutcome.Refused;
        }

        if (s.Friends.Contains(orig))
        {
            return FriendRequestOutcome.AlreadyFriends;
        }

        // This user asked first: the request is the answer.
        bool accepted = s.PendingOut.Contains(orig);
        if (accepted)
        {
            await ChangeStateAsync(x =>
            {
                x.PendingOut.Remove(orig);
                x.Friends.Add(orig);
            });
        }

        await AppendAsync(Cmd.FriendAdd, orig, relayBody);
        return accepted ? FriendRequestOutcome.Accepted : FriendRequestOutcome.Requested;
    }

    public async Task<uint> ApplyFriendRequest(ulong dest, string mark, FriendRequestOutcome outcome)
    {
        var s = state.State;
        switch (outcome)
        {
            case FriendRequestOutcome.Refused:
                return ResultCode.Blacklisted;
            case FriendRequestOutcome.Requested when !s.PendingOut.Contains(dest) && ContactCount(s) >= _options.MaxContacts:
                return ResultCode.CapacityReached;
        }

        bool already = outcome == FriendRequestOutcome.AlreadyFriends;
        bool markUnchanged = mark.Length == 0 || (s.Marks.TryGetValue(dest, out var current) && current == mark);
        if (already && s.Friends.Contains(dest) && markUnchanged)
        {
            return ResultCode.AlreadyExists;
        }

        await ChangeStateAsync(x =>
        {
            if (outcome == FriendRequestOutcome.Requested)
            {
                x.PendingOut.Add(dest);
            }
            else
            {
                // Accepted, or already friends on the other side: make this side agree.
                x.PendingOut.Remove(dest);
                x.Friends.Add(dest);
            }

            if (mark.Length > 0)
            {
                x.Marks[dest] = mark;
            }
        });

        return already ? ResultCode.AlreadyExists : ResultCode.Ok;
    }

    public async Task<bool> OnFriendDeleted(ulong orig, byte[] relayBody, bool senderHadAny)
    {
        var s = state.State;
        bool had = s.Friends.Contains(orig) || s.PendingOut.Contains(orig);
        if (had)
        {
            await ChangeStateAsync(x =>
            {
                x.Friends.Remove(orig);
                x.PendingOut.Remove(orig);
            });
        }

        if (had || senderHadAny)
        {
            await AppendAsync(Cmd.FriendDel, orig, relayBody);
        }

        return had;
    }

    public async Task<bool> RemoveFriend(ulong dest)
    {
        var s = state.State;
        if (!s.Friends.Contains(dest) && !s.PendingOut.Contains(dest))
        {
            return false;
        }

        await ChangeStateAsync(x =>
        {
            x.Friends.Remove(dest);
            x.PendingOut.Remove(dest);
        });
        return true;
    }

    public Task<uint> SetBlacklisted(ulong dest, bool listed) => SetMembershipAsync(s => s.Blacklist, dest, listed);

    public Task<uint> SetGagged(ulong dest, bool gagged) => SetMembershipAsync(s => s.Gagged, dest, gagged);

    public async Task<uint> SetMark(ulong dest, string? mark)
    {
        var marks = state.State.Marks;
        if (mark is null)
        {
            if (!marks.ContainsKey(dest))
            {
                return ResultCode.NotFound;
            }

            await ChangeStateAsync(x => x.Marks.Remove(dest));
            return ResultCode.Ok;
        }

        if (!marks.ContainsKey(dest) && marks.Count >= _options.MaxContacts)
        {
            return ResultCode.CapacityReached;
        }

        await ChangeStateAsync(x => x.Marks[dest] = mark);
        return ResultCode.Ok;
    }

    public Task<ContactList> GetContacts()
    {
        var s = state.State;
        return Task.FromResult(new ContactList(
            [.. s.Friends.Order()], [.. s.PendingOut.Order()], [.. s.Blacklist.Order()], [.. s.Gagged.Order()],
            new Dictionary<ulong, string>(s.Marks)));
    }

    private async Task<uint> SetMembershipAsync(Func<UserState, HashSet<ulong>> list, ulong dest, bool member)
    {
        var current = list(state.State);
        if (member == current.Contains(dest))
        {
            return member ? ResultCode.AlreadyExists : ResultCode.NotFound;
        }

        if (member && current.Count >= _options.MaxContacts)
        {
            return ResultCode.CapacityReached;
        }

        await ChangeStateAsync(x =>
        {
            if (member)
            {
                list(x).Add(dest);
            }
            else
            {
                list(x).Remove(dest);
            }
        });
        return ResultCode.Ok;
    }

    private static int ContactCount(UserState s) => s.Friends.Count + s.PendingOut.Count;
}
