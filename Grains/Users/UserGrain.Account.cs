using Google.Protobuf;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Users;

/// <summary>The account as a whole: an export of what is kept about the user, and erasing it.</summary>
public sealed partial class UserGrain
{
    public Task<AccountSnapshot> GetAccount()
    {
        var s = state.State;
        return Task.FromResult(new AccountSnapshot(
            [.. s.Friends.Order()], [.. s.PendingIn.Order()], [.. s.PendingOut.Order()], [.. s.Blacklist.Order()], [.. s.Gagged.Order()],
            new Dictionary<ulong, string>(s.Marks), s.ContactsVersion,
            new Dictionary<ulong, ulong>(s.Groups), [.. s.CreatedGroups.Order()],
            s.DeliveryCursor, new Dictionary<ulong, ulong>(s.ReadPeers), new Dictionary<ulong, ulong>(s.ReadGroups), new Dictionary<ulong, ulong>(s.PeerReads),
            s.ReceiptsOff, s.LastSeen, _head));
    }

    public async Task<AccountErasure> EraseAccount(bool tombstoneSent)
    {
        var s = state.State;
        var hadState = s.Friends.Count + s.PendingIn.Count + s.PendingOut.Count + s.Blacklist.Count + s.Gagged.Count + s.Marks.Count
            + s.Groups.Count + s.CreatedGroups.Count + s.ReadPeers.Count + s.ReadGroups.Count + s.PeerReads.Count > 0
            || s.LastSeen != 0 || s.ReceiptsOff;
        if (hadState)
        {
            // The serial high-water mark stays (serials handed out are never handed out again), the cursor moves to
            // the head (nothing before it is kept), and the contacts version moves on for clients' caches.
            await ChangeStateAsync(x =>
            {
                x.Friends.Clear();
                x.PendingIn.Clear();
                x.PendingOut.Clear();
                x.Blacklist.Clear();
                x.Gagged.Clear();
                x.Marks.Clear();
                x.Groups.Clear();
                x.CreatedGroups.Clear();
                x.ReadPeers.Clear();
                x.ReadGroups.Clear();
                x.PeerReads.Clear();
                x.ReceiptsOff = false;
                x.LastSeen = 0;
                x.DeliveryCursor = _head;
                x.ContactsVersion++;
            });
        }

        _peers = null;
        _notedWhileLoading = null;
        var inbox = await store.EraseInboxAsync(Uid);
        var tombstoned = tombstoneSent ? await store.ReplaceSentAsync(Uid, Tombstone) : 0;
        return new AccountErasure(inbox, tombstoned, hadState);
    }

    public async Task<bool> OnContactErased(ulong erased)
    {
        if (!HasRelation(erased))
        {
            return false;
        }

        await ChangeContactsAsync(erased, exceptSid: 0, x => Forget(x, erased));
        return true;
    }

    /// <summary>The tombstone of a CHAT or GROUP-CHAT body, as a recall leaves it; null for anything else (it stays).</summary>
    internal static byte[]? Tombstone(uint cmd, byte[] body)
    {
        try
        {
            if (cmd == Cmd.Chat)
            {
                var chat = Chat.Parser.ParseFrom(body);
                return chat.Recalled ? null : new Chat { Orig = chat.Orig, Dest = chat.Dest, Level = chat.Level, Time = chat.Time, Text = "", Recalled = true }.ToByteArray();
            }

            if (cmd == Cmd.GroupChat)
            {
                var chat = GroupChat.Parser.ParseFrom(body);
                return chat.Recalled ? null : new GroupChat { Uid = chat.Uid, Gid = chat.Gid, Level = chat.Level, Time = chat.Time, Text = "", Recalled = true }.ToByteArray();
            }
        }
        catch (InvalidProtocolBufferException)
        {
            // A body that does not parse is not a message this server stored; it is left alone.
        }

        return null;
    }
}
