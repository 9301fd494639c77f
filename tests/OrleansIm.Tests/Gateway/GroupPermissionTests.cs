using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

/// <summary>Every group command against every kind of caller: owner, manager, member, outsider, banned, gagged.</summary>
[Collection(EmbeddedServerCollection.Name)]
public sealed class GroupPermissionTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    /// <summary>A group with an owner, two managers, two members (one gagged), a banned user and an outsider.</summary>
    private sealed record Cast(ulong Gid, ImClient Owner, ImClient Manager, ImClient Manager2, ImClient Member, ImClient Gagged, ImClient Banned, ImClient Outsider) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var c in new[] { Owner, Manager, Manager2, Member, Gagged, Banned, Outsider })
            {
                await c.DisposeAsync();
            }
        }
    }

    private async Task<Cast> CastAsync(string transport)
    {
        var clients = new ImClient[7];
        for (int i = 0; i < clients.Length; i++)
        {
            clients[i] = await Server.LoginAsync(i % 2 == 0 ? transport : (transport == "tcp" ? "ws" : "tcp"), Ids.Next());
        }

        var (owner, manager, manager2, member, gagged, banned, outsider) = (clients[0], clients[1], clients[2], clients[3], clients[4], clients[5], clients[6]);
        var gid = await owner.CreateGroupAsync();
        foreach (var c in new[] { manager, manager2, member, gagged, banned })
        {
            Assert.Equal(0u, await c.GroupAsync(Cmd.GroupJoin, c.Uid, gid));
        }

        Assert.Equal(0u, await owner.GroupAsync(Cmd.GroupMgrAdd, manager.Uid, gid));
        Assert.Equal(0u, await owner.GroupAsync(Cmd.GroupMgrAdd, manager2.Uid, gid));
        Assert.Equal(0u, await manager.GroupAsync(Cmd.GroupGagAdd, gagged.Uid, gid));
        Assert.Equal(0u, await manager.GroupAsync(Cmd.GroupBlAdd, banned.Uid, gid));
        return new Cast(gid, owner, manager, manager2, member, gagged, banned, outsider);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Joining_quitting_and_inviting(string transport)
    {
        await using var c = await CastAsync(transport);
        Assert.Equal(ResultCode.Banned, await c.Banned.GroupAsync(Cmd.GroupJoin, c.Banned.Uid, c.Gid));
        Assert.Equal(ResultCode.AlreadyExists, await c.Member.GroupAsync(Cmd.GroupJoin, c.Member.Uid, c.Gid));
        Assert.Equal(ResultCode.NotFound, await c.Outsider.GroupAsync(Cmd.GroupJoin, c.Outsider.Uid, c.Gid + 1_000_000));
        Assert.Equal(ResultCode.PermissionDenied, await c.Outsider.GroupAsync(Cmd.GroupJoin, c.Member.Uid, c.Gid));
        Assert.Equal(ResultCode.InvalidParameter, await c.Outsider.GroupAsync(Cmd.GroupJoin, c.Outsider.Uid, 0));

        Assert.Equal(ResultCode.PermissionDenied, await c.Owner.GroupAsync(Cmd.GroupQuit, c.Owner.Uid, c.Gid));
        Assert.Equal(ResultCode.NotMember, await c.Outsider.GroupAsync(Cmd.GroupQuit, c.Outsider.Uid, c.Gid));

        Assert.Equal(ResultCode.NotMember, await c.Outsider.InviteAsync(c.Gid, Ids.Next()));
        Assert.Equal(ResultCode.Banned, await c.Member.InviteAsync(c.Gid, c.Banned.Uid));
        Assert.Equal(ResultCode.AlreadyExists, await c.Member.InviteAsync(c.Gid, c.Manager.Uid));
        Assert.Equal(0u, await c.Member.InviteAsync(c.Gid, c.Outsider.Uid));
        var invite = (await c.Outsider.ReceiveAsync(Cmd.GroupInvite)).As(GroupInvite.Parser);
        Assert.Equal((c.Member.Uid, c.Gid, c.Outsider.Uid), (invite.Uid, invite.Gid, invite.To));
        Assert.Equal(0u, await c.Outsider.GroupAsync(Cmd.GroupQuit, c.Outsider.Uid, c.Gid));
        Assert.Equal(0u, await c.Member.GroupAsync(Cmd.GroupQuit, c.Member.Uid, c.Gid));
        Assert.Equal(0u, await c.Member.GroupAsync(Cmd.GroupJoin, c.Member.Uid, c.Gid));
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Chatting_needs_membership_and_no_gag(string transport)
    {
        await using var c = await CastAsync(transport);
        Assert.Equal(0u, (await c.Member.GroupChatAsync(c.Gid, "hello")).Code);
        Assert.Equal(0u, (await c.Manager.GroupChatAsync(c.Gid, "hello")).Code);
        Assert.Equal(0u, (await c.Owner.GroupChatAsync(c.Gid, "hello")).Code);
        Assert.Equal(ResultCode.Gagged, (await c.Gagged.GroupChatAsync(c.Gid, "mmph")).Code);
        Assert.Equal(ResultCode.NotMember, (await c.Outsider.GroupChatAsync(c.Gid, "let me in")).Code);
        Assert.Equal(ResultCode.NotMember, (await c.Banned.GroupChatAsync(c.Gid, "let me in")).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await c.Member.GroupChatAsync(c.Gid, new string('x', 8 * 1024 + 1))).Code);
        Assert.Equal(ResultCode.NotFound, (await c.Member.GroupChatAsync(c.Gid + 1_000_000, "anyone?")).Code);
        var asOther = await c.Outsider.RequestAsync(Cmd.GroupChat, new GroupChat { Uid = c.Member.Uid, Gid = c.Gid, Level = 0, Time = 0, Text = "spoof" });
        Assert.Equal(ResultCode.PermissionDenied, asOther.As(GroupChatAck.Parser).Code);

        Assert.Equal(0u, await c.Manager.GroupAsync(Cmd.GroupGagDel, c.Gagged.Uid, c.Gid));
        Assert.Equal(0u, (await c.Gagged.GroupChatAsync(c.Gid, "free")).Code);
    }

    public static TheoryData<uint> Moderation => new() { Cmd.GroupKick, Cmd.GroupGagAdd, Cmd.GroupBlAdd };

    [Theory]
    [MemberData(nameof(Moderation))]
    public async Task Rank_rules_for_kick_gag_and_ban(uint cmd)
    {
        await using var c = await CastAsync("tcp");
        // Nobody acts on the owner; a manager not on another manager; members and outsiders not at all.
        Assert.Equal(ResultCode.PermissionDenied, await c.Manager.GroupAsync(cmd, c.Owner.Uid, c.Gid));
        Assert.Equal(ResultCode.PermissionDenied, await c.Manager.GroupAsync(cmd, c.Manager2.Uid, c.Gid));
        Assert.Equal(ResultCode.PermissionDenied, await c.Member.GroupAsync(cmd, c.Gagged.Uid, c.Gid));
        Assert.Equal(ResultCode.PermissionDenied, await c.Outsider.GroupAsync(cmd, c.Member.Uid, c.Gid));
        Assert.Equal(ResultCode.PermissionDenied, await c.Banned.GroupAsync(cmd, c.Member.Uid, c.Gid));
        Assert.Equal(ResultCode.InvalidParameter, await c.Owner.GroupAsync(cmd, c.Owner.Uid, c.Gid));
        Assert.Equal(ResultCode.NotFound, await c.Owner.GroupAsync(cmd, c.Member.Uid, c.Gid + 1_000_000));

        // The owner may act on a manager; a manager on a plain member.
        Assert.Equal(0u, await c.Owner.GroupAsync(cmd, c.Manager2.Uid, c.Gid));
        Assert.Equal(0u, await c.Manager.GroupAsync(cmd, c.Member.Uid, c.Gid));

        var members = (await c.Owner.ListAsync(c.Gid)).List;
        if (cmd == Cmd.GroupGagAdd)
        {
            Assert.Contains($"{{\"uid\":{c.Member.Uid},\"role\":\"member\",\"gag\":true}}", members);
            Assert.Equal(ResultCode.AlreadyExists, await c.Owner.GroupAsync(cmd, c.Member.Uid, c.Gid));
        }
        else
        {
            Assert.DoesNotContain($"\"uid\":{c.Member.Uid},", members);
            Assert.DoesNotContain($"\"uid\":{c.Manager2.Uid},", members);
            var expected = cmd == Cmd.GroupKick ? 0u : ResultCode.Banned;
            Assert.Equal(expected, await c.Member.GroupAsync(Cmd.GroupJoin, c.Member.Uid, c.Gid));
        }
    }

    [Fact]
    public async Task Kick_and_ban_tell_the_target_and_the_members()
    {
        await using var c = await CastAsync("ws");
        Assert.Equal(0u, await c.Manager.GroupAsync(Cmd.GroupKick, c.Member.Uid, c.Gid));
        var toTarget = (await c.Member.ReceiveAsync(Cmd.GroupKickNtc)).As(GroupKickNtc.Parser);
        Assert.Equal((c.Member.Uid, c.Gid), (toTarget.Uid, toTarget.Gid));
        var toOwner = (await c.Owner.ReceiveAsync(Cmd.GroupKickNtc)).As(GroupKickNtc.Parser);
        Assert.Equal(c.Member.Uid, toOwner.Uid);
        Assert.Equal(ResultCode.NotMember, await c.Manager.GroupAsync(Cmd.GroupKick, c.Member.Uid, c.Gid));

        Assert.Equal(ResultCode.AlreadyExists, await c.Owner.GroupAsync(Cmd.GroupBlAdd, c.Banned.Uid, c.Gid));
        Assert.Equal(0u, await c.Owner.GroupAsync(Cmd.GroupBlDel, c.Banned.Uid, c.Gid));
        Assert.Equal(ResultCode.NotFound, await c.Owner.GroupAsync(Cmd.GroupBlDel, c.Banned.Uid, c.Gid));
        Assert.Equal(0u, await c.Banned.GroupAsync(Cmd.GroupJoin, c.Banned.Uid, c.Gid));
    }

    [Fact]
    public async Task Only_the_owner_appoints_managers_and_dismisses()
    {
        await using var c = await CastAsync("tcp");
        Assert.Equal(ResultCode.PermissionDenied, await c.Manager.GroupAsync(Cmd.GroupMgrAdd, c.Member.Uid, c.Gid));
        Assert.Equal(ResultCode.PermissionDenied, await c.Manager.GroupAsync(Cmd.GroupMgrDel, c.Manager2.Uid, c.Gid));
        Assert.Equal(ResultCode.NotMember, await c.Owner.GroupAsync(Cmd.GroupMgrAdd, c.Outsider.Uid, c.Gid));
        Assert.Equal(ResultCode.AlreadyExists, await c.Owner.GroupAsync(Cmd.GroupMgrAdd, c.Manager.Uid, c.Gid));
        Assert.Equal(0u, await c.Owner.GroupAsync(Cmd.GroupMgrDel, c.Manager2.Uid, c.Gid));
        Assert.Equal(ResultCode.NotFound, await c.Owner.GroupAsync(Cmd.GroupMgrDel, c.Manager2.Uid, c.Gid));
        Assert.Equal(ResultCode.PermissionDenied, await c.Manager2.GroupAsync(Cmd.GroupKick, c.Member.Uid, c.Gid));

        var list = await c.Member.ListAsync(c.Gid);
        Assert.Equal((0u, 5u), (list.Code, list.Total));
        Assert.StartsWith("[{", list.List);
        Assert.Contains($"{{\"uid\":{c.Owner.Uid},\"role\":\"owner\",\"gag\":false}}", list.List);
        Assert.Contains($"{{\"uid\":{c.Manager.Uid},\"role\":\"manager\",\"gag\":false}}", list.List);
        Assert.Equal(ResultCode.NotMember, (await c.Outsider.ListAsync(c.Gid)).Code);

        Assert.Equal(ResultCode.PermissionDenied, await c.Manager.GroupAsync(Cmd.GroupDimiss, c.Manager.Uid, c.Gid));
        Assert.Equal(ResultCode.PermissionDenied, await c.Outsider.GroupAsync(Cmd.GroupDimiss, c.Owner.Uid, c.Gid));
        Assert.Equal(0u, await c.Owner.GroupAsync(Cmd.GroupDimiss, c.Owner.Uid, c.Gid));
        foreach (var m in new[] { c.Manager, c.Member, c.Gagged })
        {
            var notice = (await m.ReceiveAsync(Cmd.GroupDimiss)).As(GroupDimiss.Parser);
            Assert.Equal((c.Owner.Uid, c.Gid), (notice.Uid, notice.Gid));
        }

        Assert.Equal(ResultCode.NotFound, (await c.Member.GroupChatAsync(c.Gid, "anyone?")).Code);
        Assert.Equal(ResultCode.NotFound, await c.Owner.GroupAsync(Cmd.GroupDimiss, c.Owner.Uid, c.Gid));
    }

    [Fact]
    public async Task Member_lists_are_paged_in_uid_order()
    {
        await using var c = await CastAsync("tcp");
        var all = await c.Owner.ListAsync(c.Gid);
        var uids = System.Text.Json.JsonDocument.Parse(all.List).RootElement.EnumerateArray().Select(e => e.GetProperty("uid").GetUInt64()).ToList();
        Assert.Equal(uids.Order(), uids);
        Assert.Equal(5, uids.Count);

        var page = await c.Owner.ListAsync(c.Gid, num: 2, offset: 3);
        var paged = System.Text.Json.JsonDocument.Parse(page.List).RootElement.EnumerateArray().Select(e => e.GetProperty("uid").GetUInt64()).ToList();
        Assert.Equal(uids.Skip(3).Take(2), paged);
        Assert.Equal(5u, page.Total);
    }
}
