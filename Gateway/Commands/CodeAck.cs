using Google.Protobuf;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Commands;

/// <summary>Builds the many ACKs whose body is just <c>1 code, 2 errmsg</c>.</summary>
public static class CodeAck<TAck> where TAck : IMessage, new()
{
    private static readonly Google.Protobuf.Reflection.FieldDescriptor CodeField = new TAck().Descriptor.FindFieldByNumber(1);
    private static readonly Google.Protobuf.Reflection.FieldDescriptor ErrmsgField = new TAck().Descriptor.FindFieldByNumber(2);

    public static TAck Create(uint code)
    {
        var ack = new TAck();
        CodeField.Accessor.SetValue(ack, code);
        ErrmsgField.Accessor.SetValue(ack, ResultCode.Message(code));
        return ack;
    }
}
