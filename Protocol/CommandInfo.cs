using Google.Protobuf;

namespace OrleansIm.Protocol;

/// <summary>Who may send a command.</summary>
[Flags]
public enum Direction
{
    ClientToServer = 1,
    ServerToClient = 2,
    Both = ClientToServer | ServerToClient,
}

/// <summary>
/// One row of the command table: its id, name, direction and body parser. <see cref="Parser"/> is null for
/// commands with no body; <see cref="OpaqueBody"/> marks bodies that are raw bytes (BC, P2P).
/// </summary>
public sealed record CommandInfo(uint Id, string Name, Direction Direction, MessageParser? Parser, bool OpaqueBody = false);
