using System.Buffers.Binary;

namespace OrleansIm.Protocol;

/// <summary>The 36-byte big-endian frame header (docs/protocol.md, "Framing").</summary>
public readonly record struct FrameHeader(uint Type, uint Flag, uint Length, ulong Sid, uint Nid, ulong Serial)
{
    /// <summary>Size of the header on the wire, in bytes.</summary>
    public const int Size = 36;

    /// <summary>The constant every frame carries in its <c>chksum</c> field.</summary>
    public const uint Checksum = 0x1ED23CB4;

    /// <summary>Offset of the 8-byte sid, which the gateway patches per receiving session.</summary>
    public const int SidOffset = 16;

    /// <summary><c>flag</c> on server-originated frames.</summary>
    public const uint FlagSystem = 0;

    /// <summary><c>flag</c> on client frames.</summary>
    public const uint FlagUser = 1;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Type);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Flag);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Checksum);
        BinaryPrimitives.WriteUInt64BigEndian(destination[SidOffset..], Sid);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], Nid);
        BinaryPrimitives.WriteUInt64BigEndian(destination[28..], Serial);
    }

    /// <summary>Reads a header from exactly <see cref="Size"/> bytes; the checksum is returned, not checked.</summary>
    public static FrameHeader Read(ReadOnlySpan<byte> source, out uint checksum)
    {
        checksum = BinaryPrimitives.ReadUInt32BigEndian(source[12..]);
        return new FrameHeader(
            BinaryPrimitives.ReadUInt32BigEndian(source),
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[SidOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[24..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[28..]));
    }
}
