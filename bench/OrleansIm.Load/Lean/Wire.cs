using System.Buffers.Binary;
using OrleansIm.Protocol;

namespace OrleansIm.Load.Lean;

/// <summary>
/// Hand-written encoding of the few frames the load sends, and the one field it reads back (the send time), so
/// that a message costs the load tool no allocation: the load tool must not be what it measures.
/// </summary>
public static class Wire
{
    /// <summary>CHAT: 1 orig, 2 dest, 3 level, 4 time, 5 text. Returns the frame's length.</summary>
    public static int WriteChat(Span<byte> destination, ulong serial, ulong orig, ulong dest, long time, ReadOnlySpan<byte> text)
    {
        var body = destination[FrameHeader.Size..];
        int n = Field(body, 1, orig);
        n += Field(body[n..], 2, dest);
        n += Field(body[n..], 3, 0);
        n += Field(body[n..], 4, (ulong)time);
        n += Bytes(body[n..], 5, text);
        Header(destination, Cmd.Chat, n, serial);
        return FrameHeader.Size + n;
    }

    /// <summary>GROUP-CHAT: 1 uid, 2 gid, 3 level, 4 time, 5 text. Returns the frame's length.</summary>
    public static int WriteGroupChat(Span<byte> destination, ulong serial, ulong uid, ulong gid, long time, ReadOnlySpan<byte> text)
    {
        var body = destination[FrameHeader.Size..];
        int n = Field(body, 1, uid);
        n += Field(body[n..], 2, gid);
        n += Field(body[n..], 3, 0);
        n += Field(body[n..], 4, (ulong)time);
        n += Bytes(body[n..], 5, text);
        Header(destination, Cmd.GroupChat, n, serial);
        return FrameHeader.Size + n;
    }

    /// <summary>ROOM-BC: 1 rid, 2 level, 3 time, 4 expire (0: not kept), 5 data.</summary>
    public static int WriteRoomBroadcast(Span<byte> destination, ulong serial, ulong rid, long time, ReadOnlySpan<byte> data)
    {
        var body = destination[FrameHeader.Size..];
        int n = Field(body, 1, rid);
        n += Field(body[n..], 2, 0);
        n += Field(body[n..], 3, (ulong)time);
        n += Field(body[n..], 4, 0);
        n += Bytes(body[n..], 5, data);
        Header(destination, Cmd.RoomBc, n, serial);
        return FrameHeader.Size + n;
    }

    /// <summary>The value of varint field <paramref name="field"/> in a protobuf body, or 0.</summary>
    public static ulong ReadVarintField(ReadOnlySpan<byte> body, int field)
    {
        int i = 0;
        while (i < body.Length)
        {
            var tag = Varint(body, ref i);
            var wireType = (int)(tag & 7);
            if (wireType == 0)
            {
                var value = Varint(body, ref i);
                if ((int)(tag >> 3) == field)
                {
                    return value;
                }
            }
            else if (wireType == 2)
            {
                i += (int)Varint(body, ref i);
            }
            else
            {
                return 0;
            }
        }

        return 0;
    }

    public static void Header(Span<byte> destination, uint type, int length, ulong serial)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination[FrameHeader.TypeOffset..], type);
        BinaryPrimitives.WriteUInt32BigEndian(destination[FrameHeader.FlagOffset..], FrameHeader.FlagUser);
        BinaryPrimitives.WriteUInt32BigEndian(destination[FrameHeader.LengthOffset..], (uint)length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[FrameHeader.ChecksumOffset..], FrameHeader.Checksum);
        BinaryPrimitives.WriteUInt64BigEndian(destination[FrameHeader.SidOffset..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[FrameHeader.NidOffset..], 0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[FrameHeader.SerialOffset..], serial);
    }

    private static int Field(Span<byte> destination, int field, ulong value)
    {
        int n = WriteVarint(destination, (ulong)(field << 3));
        return n + WriteVarint(destination[n..], value);
    }

    private static int Bytes(Span<byte> destination, int field, ReadOnlySpan<byte> value)
    {
        int n = WriteVarint(destination, (ulong)((field << 3) | 2));
        n += WriteVarint(destination[n..], (ulong)value.Length);
        value.CopyTo(destination[n..]);
        return n + value.Length;
    }

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        int n = 0;
        while (value >= 0x80)
        {
            destination[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[n++] = (byte)value;
        return n;
    }

    private static ulong Varint(ReadOnlySpan<byte> body, ref int i)
    {
        ulong value = 0;
        for (int shift = 0; i < body.Length && shift < 64; shift += 7)
        {
            var b = body[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }
        }

        return value;
    }
}
