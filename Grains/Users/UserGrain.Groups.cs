using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;

namespace OrleansIm.Grains.Users;

/// <summary>The groups of a user: membership as the groups report it, the creation quota, and SYNC cursors.</summary>
public sealed partial class UserGrain
{
    /// <summary>State changed in memory only (group cursors, last seen): written by the next flush or change.</summary>
    private bool _stateDirty;

    public async Task<NodeRef[]> AddGroup(ulong gid, bool created, byte[] invite, ulong fromSeq)
    {
        if (!state.State.Groups.ContainsKey(gid) || (created && !state.State.CreatedGroups.Contains(gid)))
        {
            // A member sees the group's log from now on, not its history.
            await ChangeStateAsync(s =>
            {
                s.Groups.TryAdd(gid, fromSeq);

                // What was said before joining is not unread.
                s.ReadGroups.TryAdd(gid, fromSeq);
                if (created)
                {
                    s.CreatedGroups.Add(gid);
                }
            });
        }

        if (invite.Length > 0)
        {
            await AppendAsync(Cmd.GroupInvite, 0, invite);
        }

        return [.. OnlineNodes().Values];
    }

    public async Task RemoveGroup(ulong gid, uint noticeCmd, byte[] notice)
    {
        if (state.State.Groups.ContainsKey(gid) || state.State.CreatedGroups.Contains(gid))
        {
            await ChangeStateAsync(s =>
            {
                s.Groups.Remove(gid);
                s.CreatedGroups.Remove(gid);
                s.ReadGroups.Remove(gid);
            });
        }

        if (noticeCmd != 0)
        {
            await AppendAsync(noticeCmd, 0, notice);
        }
    }

    public Task<bool> CanCreateGroup() => Task.FromResult(state.State.CreatedGroups.Count < _options.MaxCreatedGroups);

    public Task<IReadOnlyDictionary<ulong, ulong>> GetGroupCursors() =>
        Task.FromResult<IReadOnlyDictionary<ulong, ulong>>(new Dictionary<ulong, ulong>(state.State.Groups));

    public Task SetGroupCursor(ulong gid, ulong seq)
    {
        if (state.State.Groups.TryGetValue(gid, out var current) && seq > current)
        {
            state.State.Groups[gid] = seq;
            _stateDirty = true;
            CursorMoved();
        }

        return Task.CompletedTask;
    }

    /// <summary>The gateway nodes this user has sessions on, by node id.</summary>
    private Dictionary<uint, NodeRef> OnlineNodes()
    {
        var nodes = new Dictionary<uint, NodeRef>();
        foreach (var session in _sessions)
        {
            nodes.TryAdd(session.Address.Nid, new NodeRef(session.Address.Nid, session.Address.Node, session.Address.Silo));
        }

        return nodes;
    }

    /// <summary>Tells this user's groups about nodes the user appeared on or left since <paramref name="before"/>.</summary>
    private void ReportNodeChanges(Dictionary<uint, NodeRef> before)
    {
        var after = OnlineNodes();
        foreach (var (nid, node) in after.Where(n => !before.ContainsKey(n.Key)))
        {
            ReportToGroups(node, online: true);
        }

        foreach (var (nid, node) in before.Where(n => !after.ContainsKey(n.Key)))
        {
            ReportToGroups(node, online: false);
        }
    }

    private void ReportToGroups(NodeRef node, bool online)
    {
        foreach (var gid in state.State.Groups.Keys)
        {
            GrainFactory.GetGrain<IGroupGrain>((long)gid).MemberPresence(Uid, node, online).Ignore();
        }
    }
}
