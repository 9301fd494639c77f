using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Account;

/// <summary><c>Groups:InfoForNonMembers</c> false: GROUP-INFO tells members only.</summary>
public sealed class GroupInfoPrivacyTests
{
    [Fact]
    public async Task A_group_closed_to_outsiders_answers_members_and_refuses_everyone_else()
    {
        await using var server = await ImServer.StartAsync(new Dictionary<string, string?> { ["Groups:InfoForNonMembers"] = "false" });
        ulong owner = Ids.Next(), member = Ids.Next(), outsider = Ids.Next();
        await using var ownerClient = await server.LoginAsync("tcp", owner);
        await using var memberClient = await server.LoginAsync("ws", member);
        await using var outsiderClient = await server.LoginAsync("tcp", outsider);
        var gid = await ownerClient.CreateGroupAsync();
        Assert.Equal(0u, await ownerClient.InviteAsync(gid, member));

        var seen = await memberClient.GroupInfoAsync(gid);
        Assert.Equal((0u, "team", "a test group", owner, 2u, "member"), (seen.Code, seen.Name, seen.Desc, seen.Owner, seen.Members, seen.Role));

        var refused = await outsiderClient.GroupInfoAsync(gid);
        Assert.Equal(ResultCode.NotMember, refused.Code);
        Assert.False(refused.HasName || refused.HasOwner || refused.HasMembers);

        // Whoever leaves is an outsider again; a group that does not exist is still 20015, not 20017.
        Assert.Equal(0u, await memberClient.GroupAsync(Cmd.GroupQuit, member, gid));
        Assert.Equal(ResultCode.NotMember, (await memberClient.GroupInfoAsync(gid)).Code);
        Assert.Equal(ResultCode.NotFound, (await outsiderClient.GroupInfoAsync(Ids.Next())).Code);
    }
}
