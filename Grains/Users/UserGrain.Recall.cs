using Google.Protobuf;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Users;

/// <summary>
/// RECALL: a sender takes back a private message within the recall window. The stored body becomes a tombstone
/// (the same body serves both inboxes), and a RECALL-NTC is stored in both inboxes and pushed.
/// </summary>
public sealed partial class UserGrain
{
    public async Task<RecallPlan> PrepareRecall(ulong peer, ulong seq)
    {
        if (peer == 0 || peer == Uid || seq == 0)
        {
            return Refused(ResultCode.InvalidParameter);
        }

        var entry = seq <= _head ? await store.GetEntryAsync(LogKind.Inbox, Uid, seq) : null;
        if (entry is null)
        {
            return Refused(ResultCode.NotFound);
        }

        if (entry.Cmd != Cmd.Chat || entry.Peer != peer)
        {
            return Refused(ResultCode.InvalidParameter);
        }

        if (entry.Orig != Uid)
        {
            return Refused(ResultCode.PermissionDenied);
        }

        var chat = Chat.Parser.ParseFrom(entry.Body);
        if (chat.Recalled)
        {
            return Refused(ResultCode.AlreadyExists);
        }

        if (time.GetUtcNow() - entry.Created > chatOptions.Value.RecallWindow)
        {
            return Refused(ResultCode.TooLate);
        }

        var tombstone = new Chat { Orig = chat.Orig, Dest = chat.Dest, Level = chat.Level, Time = chat.Time, Text = "", Recalled = true };
        await store.ReplaceBodyAsync(LogKind.Inbox, Uid, seq, tombstone.ToByteArray());
        Forgotten(peer, seq);
        var notice = new RecallNtc { Orig = Uid, Dest = peer, OrigSeq = seq, DestSeq = entry.PeerSeq };
        return new RecallPlan(ResultCode.Ok, seq, entry.PeerSeq, notice.ToByteArray());
    }

    public async Task<ulong> ReceiveRecall(ulong orig, bool storedHere, byte[] notice)
    {
        if (storedHere)
        {
            Forgotten(orig, RecallNtc.Parser.ParseFrom(notice).DestSeq);
        }

        var appended = await AppendInboxAsync(new InboxAppend(Cmd.RecallNtc, orig, 0, notice, storedHere ? Uid : 0, orig));
        return appended.SenderSeq;
    }

    /// <summary>A recalled message that is a conversation's latest shows no text any more.</summary>
    private void Forgotten(ulong peer, ulong seq)
    {
        if (_peers is not null && _peers.TryGetValue(peer, out var head) && head.Seq == seq)
        {
            _peers[peer] = head with { Preview = "" };
        }
    }

    private static RecallPlan Refused(uint code) => new(code, 0, 0, []);
}
