using OrleansIm.Grains.Interfaces;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Users;

/// <summary>
/// The conversation list: the latest message of each private conversation, kept in memory once asked for (read
/// from the store then, and moved by every message this grain learns of), and the groups' own summaries.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>Most conversations one CONVERSATIONS page returns.</summary>
    public const int MaxConversationPage = 200;

    private Dictionary<ulong, ConversationHead>? _peers;
    private List<(ulong Peer, ConversationHead Head)>? _notedWhileLoading;
    private Task? _loadingPeers;

    public async Task<ConversationPage> GetConversations(uint offset, uint num)
    {
        var s = state.State;
        var peers = await PeersAsync();
        var all = peers.Select(p => new ConversationSummary(1, p.Key, "", "", p.Value.Seq, p.Value.Sender, p.Value.Time, p.Value.Preview, s.ReadPeers.GetValueOrDefault(p.Key), 0, s.PeerReads.GetValueOrDefault(p.Key))).ToList();

        // Group summaries interleave in their grains: asking them cannot wait on a group that waits on this user.
        var gids = s.Groups.Keys.ToList();
        var groups = await Task.WhenAll(gids.Select(gid => GrainFactory.GetGrain<IGroupGrain>((long)gid).Summarize(Uid)));
        for (int i = 0; i < gids.Count; i++)
        {
            var g = groups[i];
            if (g.Role.Length > 0)
            {
                all.Add(new ConversationSummary(2, gids[i], g.Name, g.Role, g.LastSeq, g.LastSender, g.LastTime, g.Preview, s.ReadGroups.GetValueOrDefault(gids[i]), 0));
            }
        }

        var take = (int)Math.Min(num == 0 ? MaxConversationPage : num, MaxConversationPage);
        var page = all.OrderByDescending(c => c.LastTime).ThenByDescending(c => c.LastSeq).ThenBy(c => c.Kind).ThenBy(c => c.Id)
            .Skip((int)Math.Min(offset, int.MaxValue)).Take(take).ToList();
        for (int i = 0; i < page.Count; i++)
        {
            page[i] = page[i] with { Unread = await UnreadAsync(page[i].Kind, page[i].Id, page[i].ReadSeq) };
        }

        return new ConversationPage(page, (uint)all.Count);
    }

    private async Task<uint> UnreadAsync(uint kind, ulong id, ulong readSeq) => (uint)(kind == 1
        ? await store.CountFromPeerAsync(Uid, id, readSeq)
        : await store.CountGroupMessagesAsync(id, readSeq, Uid));

    /// <summary>Whether the list is kept (or being read): until someone asks for it, messages cost it nothing.</summary>
    private bool KeepingConversations => _peers is not null || _notedWhileLoading is not null;

    /// <summary>A CHAT from <paramref name="orig"/> landed at <paramref name="seq"/> of this inbox.</summary>
    private void NoteReceived(ulong orig, ulong seq, byte[] body)
    {
        if (KeepingConversations)
        {
            NoteConversation(orig, new ConversationHead(seq, orig, NowMs(), Previews.OfChat(body)));
        }
    }

    /// <summary>This user's CHAT is at <paramref name="seq"/> of this inbox.</summary>
    private void NoteSent(ulong seq, byte[] body)
    {
        if (KeepingConversations)
        {
            var chat = Chat.Parser.ParseFrom(body);
            NoteConversation(chat.Dest, new ConversationHead(seq, Uid, NowMs(), Previews.OfChat(body)));
        }
    }

    private void NoteConversation(ulong peer, ConversationHead head)
    {
        if (_peers is not null)
        {
            Keep(_peers, peer, head);
        }
        else
        {
            _notedWhileLoading?.Add((peer, head));
        }
    }

    private async Task<Dictionary<ulong, ConversationHead>> PeersAsync()
    {
        while (_peers is null)
        {
            await (_loadingPeers ??= LoadPeersAsync());
        }

        return _peers;
    }

    private async Task LoadPeersAsync()
    {
        // Messages learnt while the store is read are kept aside and applied after: the read may or may not have seen them.
        _notedWhileLoading = [];
        try
        {
            var peers = new Dictionary<ulong, ConversationHead>();
            foreach (var row in await store.LatestPerPeerAsync(Uid))
            {
                var preview = row.Cmd == Cmd.Chat ? Previews.OfChat(row.Body) : "";
                Keep(peers, row.Peer, new ConversationHead(row.Seq, row.Orig, (ulong)row.Created.ToUnixTimeMilliseconds(), preview));
            }

            foreach (var (peer, head) in _notedWhileLoading)
            {
                Keep(peers, peer, head);
            }

            _peers = peers;
        }
        finally
        {
            _notedWhileLoading = null;
            _loadingPeers = null;
        }
    }

    private static void Keep(Dictionary<ulong, ConversationHead> peers, ulong peer, ConversationHead head)
    {
        if (!peers.TryGetValue(peer, out var current) || head.Seq > current.Seq)
        {
            peers[peer] = head;
        }
    }

    private ulong NowMs() => (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The latest message of a private conversation: its seq here, its sender, when, and its first characters.</summary>
    private readonly record struct ConversationHead(ulong Seq, ulong Sender, ulong Time, string Preview);
}
