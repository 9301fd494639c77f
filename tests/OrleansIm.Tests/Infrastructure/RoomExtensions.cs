using Google.Protobuf;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>Room-level helpers over <see cref="ImClient"/> for the tests.</summary>
public static class RoomExtensions
{
    public static async Task<ulong> CreateRoomAsync(this ImClient owner, ulong rid = 0)
    {
        var ack = (await owner.RequestAsync(Cmd.RoomCreat, new RoomCreat { Uid = owner.Uid, Rid = rid, Name = "live", Desc = "a test room" })).As(RoomCreatAck.Parser);
        Assert.Equal(0u, ack.Code);
        return ack.Rid;
    }

    public static async Task<RoomJoinAck> JoinRoomAsync(this ImClient client, ulong rid) =>
        (await client.RequestAsync(Cmd.RoomJoin, new RoomJoin { Uid = client.Uid, Rid = rid })).As(RoomJoinAck.Parser);

    public static async Task<uint> QuitRoomAsync(this ImClient client, ulong rid) =>
        (await client.RequestAsync(Cmd.RoomQuit, new RoomQuit { Uid = client.Uid, Rid = rid })).As(RoomQuitAck.Parser).Code;

    public static async Task<RoomChatAck> RoomChatAsync(this ImClient client, ulong rid, string text) =>
        (await client.RequestAsync(Cmd.RoomChat, new RoomChat { Uid = client.Uid, Rid = rid, Gid = 0, Level = 0, Time = 0, Text = text })).As(RoomChatAck.Parser);

    public static async Task<uint> BroadcastAsync(this ImClient client, ulong rid, byte[] data, uint expire) =>
        (await client.RequestAsync(Cmd.RoomBc, new RoomBc { Rid = rid, Level = 0, Time = 0, Expire = expire, Data = ByteString.CopyFrom(data) })).As(RoomBcAck.Parser).Code;

    public static async Task<RoomUsrNumAck> CountAsync(this ImClient client, ulong rid) =>
        (await client.RequestAsync(Cmd.RoomUsrNum, new RoomUsrNum { Rid = rid, Num = 0 })).As(RoomUsrNumAck.Parser);
}
