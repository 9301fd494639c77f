using System.Buffers;

namespace OrleansIm.Protocol;

/// <summary>
/// Splits a byte stream into frames. Pure: no I/O, no allocation. The header is validated (checksum, length
/// limit) as soon as its 36 bytes are there, before waiting for the body.
/// </summary>
public readonly struct FrameReader(int maxBodyLength)
{
    public int MaxBodyLength { get; } = maxBodyLength;

    /// <summary>
    /// Returns true and slices one frame off <paramref name="buffer"/>; false when more bytes are needed.
    /// Throws <see cref="ProtocolException"/> (fatal) for a bad checksum or an oversized length.
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out Frame frame)
    {
        frame = default;
        if (buffer.Length < FrameHeader.Size)
        {
            return false;
        }

        Span<byte> headerBytes = stackalloc byte[FrameHeader.Size];
        buffer.Slice(0, FrameHeader.Size).CopyTo(headerBytes);
        var header = FrameHeader.Read(headerBytes, out var checksum);
        if (checksum != FrameHeader.Checksum)
        {
            throw new ProtocolException(ResultCode.InvalidHeader, "bad checksum", fatal: true, header.Type, header.Serial);
        }

        if (header.Length > (uint)MaxBodyLength)
        {
            throw new ProtocolException(ResultCode.FrameTooLong, "frame too long", fatal: true, header.Type, header.Serial);
        }

        long total = FrameHeader.Size + (long)header.Length;
        if (buffer.Length < total)
        {
            return false;
        }

        frame = new Frame(header, buffer.Slice(FrameHeader.Size, header.Length));
        buffer = buffer.Slice(total);
        return true;
    }
}
