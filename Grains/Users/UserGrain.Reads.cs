using Google.Protobuf;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Users;

/// <summary>
/// Read positions (per private conversation and per group, persisted), read and delivered receipts, the receipts
/// setting, presence as others ask for it, and typing notices.
/// </summary>
public sealed partial class UserGrain
{
    public const uint PrivateConversation = 1;
    public const uint GroupConversation = 2;
    public const uint DeliveredReceipt = 1;
    public const uint ReadReceipt = 2;

    public Task<PresenceInfo> GetPresence() =>
        Task.FromResult(new PresenceInfo(_sessions.Count > 0, _sessions.Values.FirstOrDefault()?.Terminal ?? 0, _sessions.Count > 0 ? 0 : state.State.LastSeen));

    public async Task<bool> SetReceipts(bool? on)
    {
        if (on is { } value && value == state.State.ReceiptsOff)
        {
            await ChangeStateAsync(x => x.ReceiptsOff = !value);
        }

        return !state.State.ReceiptsOff;
    }

    public async Task<ReadOutcome> MarkRead(uint kind, ulong id, ulong seq, ulong sourceSid)
    {
        var s = state.State;
        ulong current;
        if (kind == PrivateConversation)
        {
            if (id == 0 || id == Uid || seq == 0 || seq > _head)
            {
                return new ReadOutcome(ResultCode.InvalidParameter, 0);
            }

            // The position must be a message of that conversation.
            var entry = await store.GetEntryAsync(LogKind.Inbox, Uid, seq);
            if (entry is null)
            {
                return new ReadOutcome(ResultCode.NotFound, 0);
            }

            if (entry.Peer != id)
            {
                return new ReadOutcome(ResultCode.InvalidParameter, 0);
            }

            current = s.ReadPeers.GetValueOrDefault(id);
            if (seq < current)
            {
                return new ReadOutcome(ResultCode.AlreadyExists, 0);
            }

            if (seq > current)
            {
                await ChangeStateAsync(x => x.ReadPeers[id] = seq);
                if (!state.State.ReceiptsOff && await store.LastFromPeerAsync(Uid, id, seq) is { PeerSeq: > 0 } last)
                {
                    GrainFactory.GetGrain<IUserGrain>((long)id).OnReceipt(ReadReceipt, Uid, last.PeerSeq).Ignore();
                }
            }
        }
        else if (kind == GroupConversation)
        {
            if (!s.Groups.ContainsKey(id))
            {
                return new ReadOutcome(ResultCode.NotMember, 0);
            }

            var head = (await GrainFactory.GetGrain<IGroupGrain>((long)id).Summarize(Uid)).Head;
            if (seq == 0 || seq > head)
            {
                return new ReadOutcome(ResultCode.InvalidParameter, 0);
            }

            current = s.ReadGroups.GetValueOrDefault(id);
            if (seq < current)
            {
                return new ReadOutcome(ResultCode.AlreadyExists, 0);
            }

            if (seq > current)
            {
                await ChangeStateAsync(x => x.ReadGroups[id] = seq);
            }
        }
        else
        {
            return new ReadOutcome(ResultCode.InvalidParameter, 0);
        }

        var unread = await UnreadAsync(kind, id, seq);
        if (seq > current)
        {
            var notice = new ReadNtc { Kind = kind, Id = id, Seq = seq, Unread = unread };
            Push(FrameWriter.Encode(Cmd.ReadNtc, FrameHeader.FlagSystem, 0, 0, 0, notice), sourceSid, Cmd.ReadNtc);
        }

        return new ReadOutcome(ResultCode.Ok, unread);
    }

    public async Task<uint> MarkDelivered(ulong peer, ulong seq)
    {
        if (peer == 0 || peer == Uid || seq == 0 || seq > _head)
        {
            return ResultCode.InvalidParameter;
        }

        var entry = await store.GetEntryAsync(LogKind.Inbox, Uid, seq);
        if (entry is null)
        {
            return ResultCode.NotFound;
        }

        if (entry.Cmd != Cmd.Chat || entry.Peer != peer || entry.Orig != peer)
        {
            return ResultCode.InvalidParameter;
        }

        if (!state.State.ReceiptsOff && entry.PeerSeq > 0)
        {
            GrainFactory.GetGrain<IUserGrain>((long)peer).OnReceipt(DeliveredReceipt, Uid, entry.PeerSeq).Ignore();
        }

        return ResultCode.Ok;
    }

    public async Task OnReceipt(uint kind, ulong reader, ulong seq)
    {
        var notice = new ReceiptNtc { Kind = kind, Peer = reader, Seq = seq };
        Push(FrameWriter.Encode(Cmd.ReceiptNtc, FrameHeader.FlagSystem, 0, 0, 0, notice), pushClass: Cmd.ReceiptNtc);

        // Read receipts are also kept (the position only moves forward), so every device of this user, and a reload,
        // can show how far the peer read; delivered receipts are only passed on.
        if (kind == ReadReceipt && seq > state.State.PeerReads.GetValueOrDefault(reader))
        {
            await ChangeStateAsync(x => x.PeerReads[reader] = seq);
        }
    }

    public Task OnTyping(ulong orig)
    {
        // Someone blocked or muted does not show up as typing either; nobody is told.
        if (!state.State.Blacklist.Contains(orig) && !state.State.Gagged.Contains(orig))
        {
            var notice = new TypingNtc { Orig = orig, Dest = Uid };
            Push(FrameWriter.Encode(Cmd.TypingNtc, FrameHeader.FlagSystem, 0, 0, 0, notice), pushClass: Cmd.TypingNtc);
        }

        return Task.CompletedTask;
    }
}
