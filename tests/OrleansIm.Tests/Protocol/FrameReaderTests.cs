using System.Buffers;
using OrleansIm.Protocol;

namespace OrleansIm.Tests.Protocol;

public sealed class FrameReaderTests
{
    private static readonly FrameReader Reader = new(1024);

    [Fact]
    public void Header_has_the_documented_golden_layout()
    {
        var bytes = new byte[36];
        new FrameHeader(0x0101, 1, 0x11223344, 0x5566778899AABBCC, 0xDDEEFF00, 0x0123456789ABCDEF).Write(bytes);
        Assert.Equal(
            "00000101" + "00000001" + "11223344" + "1ED23CB4" + "5566778899AABBCC" + "DDEEFF00" + "0123456789ABCDEF",
            Convert.ToHexString(bytes));
    }

    [Fact]
    public void A_ping_frame_is_36_bytes_with_an_empty_body()
    {
        var ping = FrameWriter.Encode(Cmd.Ping, 1, 0, 0, 42, null);
        Assert.Equal("00000105" + "00000001" + "00000000" + "1ED23CB4" + "0000000000000000" + "00000000" + "000000000000002A", Convert.ToHexString(ping));
        var sequence = Segments.Of(ping);
        Assert.True(Reader.TryRead(ref sequence, out var frame));
        Assert.Equal(0, frame.Body.Length);
        Assert.Equal(42UL, frame.Header.Serial);
    }

    [Fact]
    public void Several_frames_back_to_back_are_read_in_order()
    {
        var stream = Enumerable.Range(1, 5).SelectMany(i => FrameWriter.EncodeRaw(Cmd.Ping, 1, 0, 0, (ulong)i, new byte[i])).ToArray();
        var sequence = Segments.Of(stream);
        for (ulong i = 1; i <= 5; i++)
        {
            Assert.True(Reader.TryRead(ref sequence, out var frame));
            Assert.Equal(i, frame.Header.Serial);
            Assert.Equal((long)i, frame.Body.Length);
        }

        Assert.False(Reader.TryRead(ref sequence, out _));
    }

    [Fact]
    public void A_bad_checksum_is_rejected_as_soon_as_the_header_is_there()
    {
        var header = HandEncoder.Header(Cmd.Ping, 1, 10, 0, 0, 7);
        header[15] ^= 0xFF;
        var sequence = Segments.Of(header);
        var ex = Assert.Throws<ProtocolException>(() => Reader.TryRead(ref sequence, out _));
        Assert.Equal(ResultCode.InvalidHeader, ex.Code);
        Assert.True(ex.Fatal);
        Assert.Equal(7UL, ex.Serial);
    }

    [Fact]
    public void A_length_over_the_limit_is_rejected_before_the_body_arrives()
    {
        var sequence = Segments.Of(HandEncoder.Header(Cmd.Chat, 1, 1025, 0, 0, 3));
        var ex = Assert.Throws<ProtocolException>(() => Reader.TryRead(ref sequence, out _));
        Assert.Equal(ResultCode.FrameTooLong, ex.Code);
        Assert.Equal(Cmd.Chat, ex.Cmd);
    }

    [Fact]
    public void A_body_at_exactly_the_limit_is_accepted()
    {
        var frame = FrameWriter.EncodeRaw(Cmd.Chat, 1, 0, 0, 1, new byte[1024]);
        var sequence = Segments.Of(frame);
        Assert.True(Reader.TryRead(ref sequence, out var read));
        Assert.Equal(1024, read.Body.Length);
    }

    [Fact]
    public void An_incomplete_header_or_body_asks_for_more_and_consumes_nothing()
    {
        var frame = FrameWriter.EncodeRaw(Cmd.Chat, 1, 0, 0, 1, new byte[10]);
        foreach (var length in new[] { 0, 1, 35, 36, 45 })
        {
            var sequence = Segments.Of(frame[..length]);
            Assert.False(Reader.TryRead(ref sequence, out _));
            Assert.Equal(length, sequence.Length);
        }
    }
}
