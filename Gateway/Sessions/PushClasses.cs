using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Sessions;

/// <summary>The optional push classes a session turns on with SUB (docs/protocol.md, "SUB"), as bits of a mask.</summary>
public static class PushClasses
{
    /// <summary>The bit of an optional class, or 0 when <paramref name="cmd"/> is not one.</summary>
    public static int BitOf(uint cmd) => cmd switch
    {
        Cmd.OnlineNtc => 1 << 0,
        Cmd.OfflineNtc => 1 << 1,
        Cmd.RoomUsrNum => 1 << 2,
        Cmd.RoomJoinNtc => 1 << 3,
        Cmd.RoomQuitNtc => 1 << 4,
        Cmd.ContactNtc => 1 << 5,
        Cmd.ReadNtc => 1 << 6,
        Cmd.ReceiptNtc => 1 << 7,
        Cmd.TypingNtc => 1 << 8,
        Cmd.GroupTypingNtc => 1 << 9,
        _ => 0,
    };
}
