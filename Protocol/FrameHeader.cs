using System.Buffers.Binary;

namespace OrleansIm.Protocol;

/// <summary>The 36-byte big-endian frame header (docs/protocol.md, "Framing").</summary>
public readonly record struct FrameHeader(uint Type, uint Flag, uint Length, ulong Sid, uint Nid, ulong Serial)
{
    /// <summary>Size of the header on the wire, in bytes.</summary>
    public const int Size = 36;

    /// <summary>The constant every frame carries in its <c>chksum</c> field.</summary>
    public const uint Checksum = 0x1ED23CB4;

    /// <summary>Offset of the 4-byte command id.</summary>
    public const int TypeOffset = 0;

    /// <summary>Offset of the 4-byte flag.</summary>
    public const int FlagOffset = 4;

    /// <summary>Offset of the 4-byte body length.</summary>
    public const int LengthOffset = 8;

    /// <summary>Offset of the 4-byte checksum.</summary>
    public const int ChecksumOffset = 12;

    /// <summary>Offset of the 8-byte sid, which the gateway patches per receiving session.</summary>
    public const int SidOffset = 16;

    /// <summary>Offset of the 4-byte node id, which the gateway patches with its own.</summary>
    public const int NidOffset = 24;

    /// <summary>Offset of the 8-byte serial (a request's serial, or a delivered message's seq).</summary>
    public const int SerialOffset = 28;

    /// <summary><c>flag</c> on server-originated frames.</summary>
    public const uint FlagSystem = 0;

    /// <summary><c>flag</c> on client frames.</summary>
    public const uint FlagUser = 1;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination[TypeOffset..], Type);
        BinaryPrimitives.WriteUInt32BigEndian(destination[FlagOffset..], Flag);
        BinaryPrimitives.WriteUInt32BigEndian(destination[LengthOffset..], Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[ChecksumOffset..], Checksum);
        BinaryPrimitives.WriteUInt64BigEndian(destination[SidOffset..], Sid);
        BinaryPrimitives.WriteUInt32BigEndian(destination[NidOffset..], Nid);
        BinaryPrimitives.WriteUInt64BigEndian(destination[SerialOffset..], Serial);
    }

    /// <summary>Reads a header from exactly <see cref="Size"/> bytes; the checksum is returned, not checked.</summary>
    public static FrameHeader Read(ReadOnlySpan<byte> source, out uint checksum)
    {
        checksum = BinaryPrimitives.ReadUInt32BigEndian(source[ChecksumOffset..]);
        return new FrameHeader(
            BinaryPrimitives.ReadUInt32BigEndian(source[TypeOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[FlagOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[LengthOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[SidOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[NidOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[SerialOffset..]));
    }
}
