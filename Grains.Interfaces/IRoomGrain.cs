using Orleans.Concurrency;

namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// One chat room (key: rid): owner, managers, banned users, name and description (persisted); the sessions in the
/// room with their buckets and per-node counts, and the live ROOM-BC messages (memory only). Messages are not
/// stored; each costs one call per gateway node that hosts sessions of the room (or of the bucket).
/// </summary>
[Alias("im.IRoomGrain")]
public interface IRoomGrain : IGrainWithIntegerKey
{
    [Alias("Create")]
    Task<uint> Create(ulong owner, string name, string desc);

    /// <summary>Owner only: every session receives ROOM-DISMISS and leaves; the room is gone.</summary>
    [Alias("Dismiss")]
    Task<uint> Dismiss(ulong caller);

    [Alias("Join")]
    Task<RoomJoinResult> Join(ulong uid, SessionAddress session);

    [Alias("Quit")]
    Task<uint> Quit(SessionAddress session);

    /// <summary>A connection in the room ended (close, heartbeat timeout, kick, OFFLINE).</summary>
    [OneWay]
    [Alias("Leave")]
    Task Leave(uint nid, long connectionId);

    /// <summary>Owner or manager: the target's sessions receive ROOM-KICK and leave, and the target is banned.</summary>
    [Alias("Kick")]
    Task<uint> Kick(ulong caller, ulong target);

    /// <summary>
    /// Delivers ROOM-CHAT to the sender's bucket; returns the code and the bucket. Interleaves: a message waiting for
    /// the one its connection sent before it must not block that one.
    /// </summary>
    [AlwaysInterleave]
    [Alias("Chat.v2")]
    Task<(uint Code, uint Bucket)> Chat(SessionAddress session, [Immutable] byte[] body, CallOrder order);

    /// <summary>
    /// ROOM-BC to every bucket; kept for <paramref name="expireSeconds"/> and replayed to joiners. From the owner, a
    /// manager, or (<paramref name="asAdmin"/>) the admin API.
    /// </summary>
    [Alias("Broadcast")]
    Task<uint> Broadcast(ulong caller, bool asAdmin, [Immutable] byte[] body, uint expireSeconds);

    /// <summary>The number of sessions in the room; 0 with code 20015 when it does not exist.</summary>
    [Alias("CountSessions")]
    Task<(uint Code, uint Count)> CountSessions();

    /// <summary>ROOM-INFO: name, description, owner and the sessions in the room now; 20015 when it does not exist.</summary>
    [Alias("GetInfo")]
    Task<RoomInfoResult> GetInfo();

    /// <summary>The admin API bans (kicking the user's sessions out) or unbans a user; 20015 without the room.</summary>
    [Alias("SetBanned")]
    Task<uint> SetBanned(ulong target, bool banned);

    /// <summary>The admin API appoints or removes a manager; 20015 without the room.</summary>
    [Alias("SetManager")]
    Task<uint> SetManager(ulong uid, bool manager);
}
