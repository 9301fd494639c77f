using Microsoft.AspNetCore.SignalR;

namespace OrleansIm.Peer;

/// <summary>Relays opaque frames: to every connection of a user, or to every member of a room (a SignalR group).</summary>
public sealed class RelayHub : Hub
{
    /// <summary>Sends <paramref name="frame"/> to user <paramref name="dest"/>; the result is the caller's ACK.</summary>
    public async Task<int> Chat(string dest, byte[] frame)
    {
        await Clients.User(dest).SendAsync("m", frame);
        return 0;
    }

    public async Task<int> Join(string room)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, room);
        return 0;
    }

    /// <summary>Sends <paramref name="frame"/> to every member of <paramref name="room"/>.</summary>
    public async Task<int> Broadcast(string room, byte[] frame)
    {
        await Clients.Group(room).SendAsync("m", frame);
        return 0;
    }
}
