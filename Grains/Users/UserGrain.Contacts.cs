using Google.Protobuf;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Users;

/// <summary>
/// Friends (by mutual request), requests both ways, blacklist, gag list and private marks. Every change moves the
/// contacts version and is pushed (CONTACT-NTC) to this user's sessions that subscribed, but the one that made it.
/// </summary>
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
        if (accepted || !s.PendingIn.Contains(orig))
        {
            await ChangeContactsAsync(orig, exceptSid: 0, x =>
            {
                if (accepted)
                {
                    x.PendingOut.Remove(orig);
                    x.Friends.Add(orig);
                }
                else
                {
                    x.PendingIn.Add(orig);
                }
            });
        }

        await AppendAsync(Cmd.FriendAdd, orig, relayBody);
        return accepted ? FriendRequestOutcome.Accepted : FriendRequestOutcome.Requested;
    }

    public async Task<uint> ApplyFriendRequest(ulong dest, string mark, FriendRequestOutcome outcome, ulong sourceSid)
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

        // Crossing requests: dest asked this user after dest's grain had taken this user's request but before this
        // side recorded it, so each side's grain answered "requested". A request both ways is a friendship; the other
        // side comes to the same conclusion when its own request is applied. Every session of this user is told,
        // the requesting one too: its ACK says only that the request went through.
        bool crossing = outcome == FriendRequestOutcome.Requested && s.PendingIn.Contains(dest);
        await ChangeContactsAsync(dest, crossing ? 0 : sourceSid, x =>
        {
            if (outcome == FriendRequestOutcome.Requested && !crossing)
            {
                x.PendingOut.Add(dest);
            }
            else
            {
                // Accepted, or already friends on the other side: make this side agree.
                x.PendingOut.Remove(dest);
                x.PendingIn.Remove(dest);
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
        bool had = HasRelation(orig);
        if (had)
        {
            await ChangeContactsAsync(orig, exceptSid: 0, x => Forget(x, orig));
        }

        if (had || senderHadAny)
        {
            await AppendAsync(Cmd.FriendDel, orig, relayBody);
        }

        return had;
    }

    public async Task<bool> RemoveFriend(ulong dest, ulong sourceSid)
    {
        // Ends a friendship, withdraws a request, or declines one.
        if (!HasRelation(dest))
        {
            return false;
        }

        await ChangeContactsAsync(dest, sourceSid, x => Forget(x, dest));
        return true;
    }

    public Task<uint> SetBlacklisted(ulong dest, bool listed, ulong sourceSid) => SetMembershipAsync(s => s.Blacklist, dest, listed, sourceSid);

    public Task<uint> SetGagged(ulong dest, bool gagged, ulong sourceSid) => SetMembershipAsync(s => s.Gagged, dest, gagged, sourceSid);

    public async Task<uint> SetMark(ulong dest, string? mark, ulong sourceSid)
    {
        var marks = state.State.Marks;
        if (mark is null)
        {
            if (!marks.ContainsKey(dest))
            {
                return ResultCode.NotFound;
            }

            await ChangeContactsAsync(dest, sourceSid, x => x.Marks.Remove(dest));
            return ResultCode.Ok;
        }

        if (!marks.ContainsKey(dest) && marks.Count >= _options.MaxContacts)
        {
            return ResultCode.CapacityReached;
        }

        await ChangeContactsAsync(dest, sourceSid, x => x.Marks[dest] = mark);
        return ResultCode.Ok;
    }

    public Task<ContactList> GetContacts()
    {
        var s = state.State;
        return Task.FromResult(new ContactList(
            [.. s.Friends.Order()], [.. s.PendingOut.Order()], [.. s.Blacklist.Order()], [.. s.Gagged.Order()],
            new Dictionary<ulong, string>(s.Marks), [.. s.PendingIn.Order()], s.ContactsVersion));
    }

    private async Task<uint> SetMembershipAsync(Func<UserState, HashSet<ulong>> list, ulong dest, bool member, ulong sourceSid)
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

        await ChangeContactsAsync(dest, sourceSid, x =>
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

    /// <summary>Applies a change of what this user has with <paramref name="other"/>, moves the version, and tells the sessions.</summary>
    private async Task ChangeContactsAsync(ulong other, ulong exceptSid, Action<UserState> change)
    {
        await ChangeStateAsync(x =>
        {
            change(x);
            x.ContactsVersion++;
        });

        var contact = ContactOf(other);
        var notice = new ContactNtc { Version = state.State.ContactsVersion, Contact = contact };
        Push(FrameWriter.Encode(Cmd.ContactNtc, FrameHeader.FlagSystem, 0, 0, 0, notice), exceptSid, Cmd.ContactNtc);
        await RecordEventAsync(Events.EventKinds.ContactChanged, w =>
        {
            w.WriteNumber("uid", Uid);
            w.WriteNumber("peer", other);
            w.WriteNumber("version", notice.Version);
            w.WriteBoolean("friend", contact.Friend);
            w.WriteBoolean("request_in", contact.RequestIn);
            w.WriteBoolean("request_out", contact.RequestOut);
            w.WriteBoolean("blacklisted", contact.Blacklisted);
            w.WriteBoolean("gagged", contact.Gagged);
            w.WriteString("mark", contact.Mark);
        });
    }

    /// <summary>What this user has with <paramref name="other"/>, as CONTACTS and CONTACT-NTC carry it.</summary>
    private Contact ContactOf(ulong other)
    {
        var s = state.State;
        var contact = new Contact
        {
            Uid = other,
            Friend = s.Friends.Contains(other),
            RequestIn = s.PendingIn.Contains(other),
            RequestOut = s.PendingOut.Contains(other),
            Blacklisted = s.Blacklist.Contains(other),
            Gagged = s.Gagged.Contains(other),
        };
        if (s.Marks.TryGetValue(other, out var mark))
        {
            contact.Mark = mark;
        }

        return contact;
    }

    private bool HasRelation(ulong other) =>
        state.State.Friends.Contains(other) || state.State.PendingOut.Contains(other) || state.State.PendingIn.Contains(other);

    private static void Forget(UserState x, ulong other)
    {
        x.Friends.Remove(other);
        x.PendingOut.Remove(other);
        x.PendingIn.Remove(other);
    }

    private static int ContactCount(UserState s) => s.Friends.Count + s.PendingOut.Count;
}
