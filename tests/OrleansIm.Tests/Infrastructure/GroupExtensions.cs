using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>Group-level helpers over <see cref="ImClient"/> for the tests.</summary>
public static class GroupExtensions
{
    public static async Task<ulong> CreateGroupAsync(this ImClient owner, ulong gid = 0)
    {
        var ack = (await owner.RequestAsync(Cmd.GroupCreat, new GroupCreat { Uid = owner.Uid, Gid = gid, Name = "team", Desc = "a test group" })).As(GroupCreatAck.Parser);
        Assert.Equal(0u, ack.Code);
        return ack.Gid;
    }

    public static async Task<GroupChatAck> GroupChatAsync(this ImClient client, ulong gid, string text, ulong serial = 0)
    {
        var frame = await client.RequestAsync(Cmd.GroupChat, new GroupChat { Uid = client.Uid, Gid = gid, Level = 0, Time = 0, Text = text },
            serial: serial != 0 ? serial : Ids.Next());
        Assert.Equal(Cmd.GroupChatAck, frame.Type);
        return frame.As(GroupChatAck.Parser);
    }

    /// <summary>A request on a group whose body is {1 uid, 2 gid}; returns the ACK code.</summary>
    public static Task<uint> GroupAsync(this ImClient client, uint cmd, ulong uid, ulong gid) => cmd switch
    {
        Cmd.GroupDimiss => client.CodeOfAsync(cmd, new GroupDimiss { Uid = uid, Gid = gid }),
        Cmd.GroupJoin => client.CodeOfAsync(cmd, new GroupJoin { Uid = uid, Gid = gid }),
        Cmd.GroupQuit => client.CodeOfAsync(cmd, new GroupQuit { Uid = uid, Gid = gid }),
        Cmd.GroupKick => client.CodeOfAsync(cmd, new GroupKick { Uid = uid, Gid = gid }),
        Cmd.GroupGagAdd => client.CodeOfAsync(cmd, new GroupGagAdd { Uid = uid, Gid = gid }),
        Cmd.GroupGagDel => client.CodeOfAsync(cmd, new GroupGagDel { Uid = uid, Gid = gid }),
        Cmd.GroupBlAdd => client.CodeOfAsync(cmd, new GroupBlAdd { Uid = uid, Gid = gid }),
        Cmd.GroupBlDel => client.CodeOfAsync(cmd, new GroupBlDel { Uid = uid, Gid = gid }),
        Cmd.GroupMgrAdd => client.CodeOfAsync(cmd, new GroupMgrAdd { Uid = uid, Gid = gid }),
        Cmd.GroupMgrDel => client.CodeOfAsync(cmd, new GroupMgrDel { Uid = uid, Gid = gid }),
        _ => throw new ArgumentOutOfRangeException(nameof(cmd)),
    };

    public static Task<uint> InviteAsync(this ImClient client, ulong gid, ulong to) =>
        client.CodeOfAsync(Cmd.GroupInvite, new GroupInvite { Uid = client.Uid, Gid = gid, To = to });

    public static async Task<GroupUsrListAck> ListAsync(this ImClient client, ulong gid, uint num = 0, uint offset = 0) =>
        (await client.RequestAsync(Cmd.GroupUsrList, new GroupUsrList { Gid = gid, Num = num, Offset = offset })).As(GroupUsrListAck.Parser);
}
