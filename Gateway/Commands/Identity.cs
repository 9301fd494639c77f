using OrleansIm.Gateway.Sessions;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Commands;

/// <summary>The identity rules every request body is checked against (docs/protocol.md, "Commands").</summary>
public static class Identity
{
    /// <summary>0, or the refusal code: 10005 when <paramref name="self"/> is not the logged-in user, 20007 for a zero id.</summary>
    public static uint CheckSelf(ImConnection connection, ulong self) =>
        self == 0 ? ResultCode.InvalidParameter
        : self != connection.Session!.Uid ? ResultCode.PermissionDenied
        : ResultCode.Ok;

    /// <summary>As <see cref="CheckSelf"/>, and 20007 when the id of the group or room acted on is zero.</summary>
    public static uint CheckSelfAndId(ImConnection connection, ulong self, ulong id)
    {
        var code = CheckSelf(connection, self);
        return code == ResultCode.Ok && id == 0 ? ResultCode.InvalidParameter : code;
    }

    /// <summary>True when <paramref name="text"/> is longer than <paramref name="maxBytes"/> in UTF-8.</summary>
    public static bool TooLong(string text, int maxBytes) => System.Text.Encoding.UTF8.GetByteCount(text) > maxBytes;

    /// <summary>As <see cref="CheckSelf"/> for orig, and 20007 for a zero dest or a dest equal to orig.</summary>
    public static uint CheckPair(ImConnection connection, ulong orig, ulong dest)
    {
        var code = CheckSelf(connection, orig);
        return code != ResultCode.Ok ? code
            : dest == 0 || dest == orig ? ResultCode.InvalidParameter
            : ResultCode.Ok;
    }
}
