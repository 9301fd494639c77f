using System.Buffers;

namespace OrleansIm.Protocol;

/// <summary>One parsed frame: its header and a view of its body in the reader's buffer (valid until advanced).</summary>
public readonly record struct Frame(FrameHeader Header, ReadOnlySequence<byte> Body);
