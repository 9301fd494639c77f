using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// A frame waiting in a connection's outbound queue: either a message to encode into the transport's buffer, or
/// bytes already encoded once for many connections (fan-out), whose sid and nid are patched per connection.
/// </summary>
public readonly struct OutboundFrame
{
    private readonly IMessage? _body;
    private readonly byte[]? _encoded;

    private OutboundFrame(uint type, ulong serial, IMessage? body, byte[]? encoded, long queuedAt = 0)
    {
        Type = type;
        Serial = serial;
        _body = body;
        _encoded = encoded;
        QueuedAt = queuedAt;
    }

    public uint Type { get; }

    public ulong Serial { get; }

    /// <summary>When the frame entered a connection's queue (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long QueuedAt { get; }

    /// <summary>The same frame, marked with the time it is queued.</summary>
    public OutboundFrame Queued(long timestamp) => new(Type, Serial, _body, _encoded, timestamp);

    public static OutboundFrame Message(uint type, ulong serial, IMessage? body) => new(type, serial, body, null);

    /// <summary>A shared, fully encoded frame (header included). The bytes are never modified.</summary>
    public static OutboundFrame Shared(byte[] encodedFrame) =>
        new(BinaryPrimitives.ReadUInt32BigEndian(encodedFrame.AsSpan(FrameHeader.TypeOffset)), BinaryPrimitives.ReadUInt64BigEndian(encodedFrame.AsSpan(FrameHeader.SerialOffset)), null, encodedFrame);

    /// <summary>Writes the frame for the session <paramref name="sid"/> on node <paramref name="nid"/>.</summary>
    public int WriteTo(IBufferWriter<byte> writer, ulong sid, uint nid)
    {
        if (_encoded is null)
        {
            return FrameWriter.Write(writer, Type, FrameHeader.FlagSystem, sid, nid, Serial, _body);
        }

        var span = writer.GetSpan(_encoded.Length);
        _encoded.CopyTo(span);
        BinaryPrimitives.WriteUInt64BigEndian(span[FrameHeader.SidOffset..], sid);
        BinaryPrimitives.WriteUInt32BigEndian(span[FrameHeader.NidOffset..], nid);
        writer.Advance(_encoded.Length);
        return _encoded.Length;
    }
}
