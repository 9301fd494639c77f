using System.Buffers;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Benchmarks;

/// <summary>The codec on a CHAT's way through the gateway: read and parse the request, write the ACK, write a pushed copy.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private byte[] _chatFrame = [];
    private OutboundFrame _shared;
    private ChatAck _ack = null!;

    [GlobalSetup]
    public void Setup()
    {
        var chat = new Chat { Orig = 100_001, Dest = 100_002, Level = 0, Time = 1_700_000_000_000, Text = "a chat message of ordinary length" };
        _chatFrame = FrameWriter.Encode(Cmd.Chat, FrameHeader.FlagUser, 0, 0, 42, chat);
        _shared = OutboundFrame.Shared(FrameWriter.EncodeRaw(Cmd.Chat, FrameHeader.FlagSystem, 0, 0, 7, chat.ToByteArray()));
        _ack = new ChatAck { Orig = 100_001, Dest = 100_002, Code = 0, Errmsg = "ok", Seq = 7 };
    }

    /// <summary>The header checks and framing alone (no body parse).</summary>
    [Benchmark]
    public int ReadFrame()
    {
        var buffer = new ReadOnlySequence<byte>(_chatFrame);
        return new FrameReader(64 * 1024).TryRead(ref buffer, out var frame) ? (int)frame.Header.Length : -1;
    }

    /// <summary>Framing plus the protobuf parse and the required-field check the router does.</summary>
    [Benchmark]
    public ulong ReadAndParseChat()
    {
        var buffer = new ReadOnlySequence<byte>(_chatFrame);
        new FrameReader(64 * 1024).TryRead(ref buffer, out var frame);
        var chat = Chat.Parser.ParseFrom(frame.Body);
        return chat.IsInitialized() ? chat.Dest : 0;
    }

    /// <summary>A reply encoded straight into the transport's buffer.</summary>
    [Benchmark]
    public int WriteAck()
    {
        _output.ResetWrittenCount();
        return FrameWriter.Write(_output, Cmd.ChatAck, FrameHeader.FlagSystem, 5, 1, 42, _ack);
    }

    /// <summary>A pushed frame encoded once for many connections, copied and patched (sid, nid) for one.</summary>
    [Benchmark]
    public int WriteSharedFrame()
    {
        _output.ResetWrittenCount();
        return _shared.WriteTo(_output, 5, 1);
    }
}
