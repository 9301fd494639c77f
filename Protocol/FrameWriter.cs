using System.Buffers;
using Google.Protobuf;

namespace OrleansIm.Protocol;

/// <summary>Writes frames: header then protobuf body, straight into the destination buffer.</summary>
public static class FrameWriter
{
    /// <summary>Writes one frame into <paramref name="writer"/>; <paramref name="body"/> null means an empty body. Returns the frame's length.</summary>
    public static int Write(IBufferWriter<byte> writer, uint type, uint flag, ulong sid, uint nid, ulong serial, IMessage? body)
    {
        int bodyLength = body?.CalculateSize() ?? 0;
        var span = writer.GetSpan(FrameHeader.Size + bodyLength);
        new FrameHeader(type, flag, (uint)bodyLength, sid, nid, serial).Write(span);
        if (body is not null)
        {
            body.WriteTo(span.Slice(FrameHeader.Size, bodyLength));
        }

        writer.Advance(FrameHeader.Size + bodyLength);
        return FrameHeader.Size + bodyLength;
    }

    /// <summary>Writes one frame whose body is already encoded (opaque pushes).</summary>
    public static void WriteRaw(IBufferWriter<byte> writer, uint type, uint flag, ulong sid, uint nid, ulong serial, ReadOnlySpan<byte> body)
    {
        var span = writer.GetSpan(FrameHeader.Size + body.Length);
        new FrameHeader(type, flag, (uint)body.Length, sid, nid, serial).Write(span);
        body.CopyTo(span[FrameHeader.Size..]);
        writer.Advance(FrameHeader.Size + body.Length);
    }

    /// <summary>Encodes one frame into a new array: the form a fan-out shares between many connections.</summary>
    public static byte[] Encode(uint type, uint flag, ulong sid, uint nid, ulong serial, IMessage? body)
    {
        int bodyLength = body?.CalculateSize() ?? 0;
        var bytes = new byte[FrameHeader.Size + bodyLength];
        new FrameHeader(type, flag, (uint)bodyLength, sid, nid, serial).Write(bytes);
        body?.WriteTo(bytes.AsSpan(FrameHeader.Size));
        return bytes;
    }

    /// <summary>Encodes a frame with an opaque body into a new array.</summary>
    public static byte[] EncodeRaw(uint type, uint flag, ulong sid, uint nid, ulong serial, ReadOnlySpan<byte> body)
    {
        var bytes = new byte[FrameHeader.Size + body.Length];
        new FrameHeader(type, flag, (uint)body.Length, sid, nid, serial).Write(bytes);
        body.CopyTo(bytes.AsSpan(FrameHeader.Size));
        return bytes;
    }
}
