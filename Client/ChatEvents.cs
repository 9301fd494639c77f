using Google.Protobuf;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Client;

/// <summary>Something the server pushed, or a change of the connection; read from <see cref="ChatClient.Events"/>.</summary>
public abstract record ChatEvent
{
    /// <summary>The frame the event came from (null for connection changes), for apps that log or relay raw frames.</summary>
    public ReceivedFrame? Frame { get; init; }
}

/// <summary>A private message in this user's inbox (received, or sent from another device), at its inbox seq.</summary>
public sealed record PrivateMessage(ulong Seq, Chat Message) : ChatEvent;

/// <summary>A message of a group log, at its group seq.</summary>
public sealed record GroupMessage(ulong Gid, ulong Seq, GroupChat Message) : ChatEvent;

/// <summary>Another inbox entry (friend relays, P2P pushes, group invites and removals, recall notices), at its inbox seq.</summary>
public sealed record InboxNotice(ulong Seq, uint Command, IMessage? Body) : ChatEvent;

/// <summary>A group log notice (joins, quits, kicks, gags, managers, info, recalls), at its group seq.</summary>
public sealed record GroupNotice(ulong Gid, ulong Seq, uint Command, IMessage? Body) : ChatEvent;

/// <summary>A room message (rooms are live only: nothing is replayed).</summary>
public sealed record RoomMessage(RoomChat Message) : ChatEvent;

/// <summary>A push that is not stored: typing, presence, receipts, contact and read notices, room notices, broadcasts.</summary>
public sealed record LiveNotice(uint Command, IMessage? Body) : ChatEvent;

/// <summary>Entries the app asked for were removed by the server's retention (<paramref name="Gid"/> null: the inbox).</summary>
public sealed record HistoryTrimmed(ulong? Gid) : ChatEvent;

/// <summary>The connection changed state; <paramref name="Error"/> says why it broke, when it did.</summary>
public sealed record ConnectionChanged(ConnectionState State, Exception? Error) : ChatEvent;

/// <summary>The server ended this session (KICK, other than 10002 "reconnect elsewhere"): the client stops and does not reconnect.</summary>
public sealed record Kicked(uint Code, string Message) : ChatEvent;
