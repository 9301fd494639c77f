namespace OrleansIm.Protocol;

/// <summary>
/// Malformed input. <see cref="Code"/> is the protocol code the peer is told; <see cref="Fatal"/> says whether the
/// stream can no longer be trusted and the connection must close.
/// </summary>
public sealed class ProtocolException(uint code, string message, bool fatal, uint cmd = 0, ulong serial = 0)
    : Exception(message)
{
    public uint Code { get; } = code;
    public bool Fatal { get; } = fatal;
    public uint Cmd { get; } = cmd;
    public ulong Serial { get; } = serial;
}
