using System.Buffers.Binary;
using System.Text;

namespace OrleansIm.Tests.Protocol;

/// <summary>
/// A deliberately naive protobuf and header encoder, written from the wire-format rules, so that the golden bytes
/// the codec is checked against do not come from the codec.
/// </summary>
public sealed class HandEncoder
{
    private readonly List<byte> _bytes = [];

    public byte[] ToArray() => [.. _bytes];

    public HandEncoder Varint(int field, ulong value)
    {
        Tag(field, 0);
        Raw(value);
        return this;
    }

    public HandEncoder Bytes(int field, byte[] value)
    {
        Tag(field, 2);
        Raw((ulong)value.Length);
        _bytes.AddRange(value);
        return this;
    }

    public HandEncoder String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public static byte[] Header(uint type, uint flag, uint length, ulong sid, uint nid, ulong serial)
    {
        var header = new byte[36];
        BinaryPrimitives.WriteUInt32BigEndian(header, type);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), flag);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), length);
        header[12] = 0x1E;
        header[13] = 0xD2;
        header[14] = 0x3C;
        header[15] = 0xB4;
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(16), sid);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(24), nid);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(28), serial);
        return header;
    }

    private void Tag(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

    private void Raw(ulong value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            _bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
    }
}
