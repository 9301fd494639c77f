using OrleansIm.Gateway.Auth;
using OrleansIm.Gateway.Pipeline;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Gateway.Commands;

/// <summary>
/// The ACKs of server pushes (BC-ACK is only counted, P2P-ACK moves the delivery cursor) and the node reports
/// (LSND-INFO, FRWD-INFO, LSND-USR-NUM), accepted only from connections whose token has the node role.
/// </summary>
public sealed class PushCommands(IGrainFactory grains) : ICommandModule
{
    public void Register(CommandRouter router)
    {
        // BC-ACK has no effect beyond the frames-in metric every frame already counts.
        router.OnEmpty(Cmd.BcAck, static (_, _) => default);
        router.OnEmpty(Cmd.P2PAck, (connection, header) =>
        {
            grains.GetGrain<IUserGrain>((long)connection.Session!.Uid).AdvanceCursor(header.Serial).Ignore();
            return default;
        });
        router.On<LsndInfo>(Cmd.LsndInfo, Cmd.LsndInfoAck, static _ => Lane.Self, (_, code) => CodeAck<LsndInfoAck>.Create(code),
            (c, h, r) => FromNodeAsync<LsndInfoAck>(c, h, Cmd.LsndInfoAck, r.Nid, d => d.ReportListener(r.Nid, new NodeListener(r.Type, r.Nation, r.Name, r.Ipaddr, r.Port))));
        router.On<FrwdInfo>(Cmd.FrwdInfo, Cmd.FrwdInfoAck, static _ => Lane.Self, (_, code) => CodeAck<FrwdInfoAck>.Create(code),
            (c, h, r) => FromNodeAsync<FrwdInfoAck>(c, h, Cmd.FrwdInfoAck, r.Nid, d => d.ReportForward(r.Nid, new NodeForward(r.Ipaddr, r.ForwardPort, r.BackendPort))));
        router.On<LsndUsrNum>(Cmd.LsndUsrNum, Cmd.LsndUsrNumAck, static _ => Lane.Self, (_, code) => CodeAck<LsndUsrNumAck>.Create(code),
            (c, h, r) => FromNodeAsync<LsndUsrNumAck>(c, h, Cmd.LsndUsrNumAck, r.Nid, d => d.ReportUsers(r.Nid, r.UsrNum)));
    }

    private async ValueTask FromNodeAsync<TAck>(ImConnection connection, FrameHeader header, uint ackCmd, uint nid, Func<INodeDirectoryGrain, Task> report)
        where TAck : Google.Protobuf.IMessage, new()
    {
        var code = connection.Session!.Role != Roles.Node ? ResultCode.IllegalRequest
            : nid == 0 ? ResultCode.InvalidParameter
            : ResultCode.Ok;
        if (code == ResultCode.Ok)
        {
            await report(grains.GetGrain<INodeDirectoryGrain>(0));
        }

        connection.Reply(header, ackCmd, CodeAck<TAck>.Create(code));
    }
}
