using Google.Protobuf;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Users;

/// <summary>Presence: friends learn when this user's first session comes online and its last goes offline.</summary>
public sealed partial class UserGrain
{
    public Task OnFriendPresence(ulong friend, bool online, uint terminal)
    {
        if (_sessions.Count == 0 || !state.State.Friends.Contains(friend))
        {
            return Task.CompletedTask;
        }

        IMessage notice = online ? new OnlineNtc { Uid = friend, Terminal = terminal } : new OfflineNtc { Uid = friend };
        var cmd = online ? Cmd.OnlineNtc : Cmd.OfflineNtc;
        Push(FrameWriter.Encode(cmd, FrameHeader.FlagSystem, 0, 0, 0, notice), pushClass: cmd);
        return Task.CompletedTask;
    }

    private void AnnouncePresence(bool online, uint terminal)
    {
        foreach (var friend in state.State.Friends)
        {
            GrainFactory.GetGrain<IUserGrain>((long)friend).OnFriendPresence(Uid, online, terminal).Ignore();
        }
    }
}
