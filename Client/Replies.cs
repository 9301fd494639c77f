using Google.Protobuf;
using OrleansIm.Protocol;

namespace OrleansIm.Client;

/// <summary>What an ACK says of its request: every ACK that judges one has the fields <c>code</c> and <c>errmsg</c>.</summary>
public static class Replies
{
    /// <summary>The ACK's <c>code</c> (0 when it has none) and its <c>errmsg</c>, or the code's standard text when that is empty.</summary>
    public static uint CodeOf(IMessage ack, out string errmsg)
    {
        var descriptor = ack.Descriptor;
        var code = descriptor.FindFieldByName("code")?.Accessor.GetValue(ack) is uint value ? value : ResultCode.Ok;
        errmsg = descriptor.FindFieldByName("errmsg")?.Accessor.GetValue(ack) as string is { Length: > 0 } text ? text : ResultCode.Message(code);
        return code;
    }
}
