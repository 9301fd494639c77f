using Google.Protobuf;
using OrleansIm.Protocol;

namespace OrleansIm.Client;

/// <summary>A frame the client received: its header and its body bytes.</summary>
public sealed record ReceivedFrame(FrameHeader Header, byte[] Body)
{
    public uint Type => Header.Type;

    public T As<T>(MessageParser<T> parser) where T : IMessage<T> => parser.ParseFrom(Body);

    public override string ToString() => $"{CommandTable.NameOf(Type)} serial={Header.Serial} sid={Header.Sid} len={Body.Length}";
}
