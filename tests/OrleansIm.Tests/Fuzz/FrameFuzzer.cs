using System.Buffers.Binary;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using OrleansIm.Protocol;

namespace OrleansIm.Tests.Fuzz;

/// <summary>
/// Hostile input for the gateway: frames with valid headers and random or mutated bodies for every command id,
/// and byte streams with broken headers (checksum, length, truncation, garbage). Seeded: a failing case repeats.
/// </summary>
public sealed class FrameFuzzer(int seed)
{
    private readonly Random _random = new(seed);

    // OFFLINE is left out: it ends the session on purpose.
    private static readonly uint[] CommandIds = CommandTable.All.Where(c => c.Id != Cmd.Offline).Select(c => c.Id).ToArray();

    /// <summary>Client-to-server commands a logged-in fuzzing session may send without ending itself.</summary>
    private static readonly uint[] RequestIds = CommandTable.All
        .Where(c => c.Direction.HasFlag(Direction.ClientToServer) && c.Id is not Cmd.Offline)
        .Select(c => c.Id).ToArray();

    public Random Random => _random;

    /// <summary>A frame with a correct header (checksum, length) and a hostile body for a command a client may send.</summary>
    public (uint Cmd, byte[] Frame) HostileRequest(ulong serial)
    {
        var cmd = _random.Next(10) == 0 ? CommandIds[_random.Next(CommandIds.Length)] : RequestIds[_random.Next(RequestIds.Length)];
        if (_random.Next(50) == 0)
        {
            cmd = (uint)_random.Next(); // an unknown command id
        }

        // Over-long frames are the broken streams' business: these stay under the default 64 KiB limit.
        var body = Body(cmd);
        return (cmd, Frame(cmd, serial, body.Length > 60_000 ? body[..60_000] : body));
    }

    /// <summary>A body for <paramref name="cmd"/>: random bytes, or a filled message mutated in one of several ways.</summary>
    public byte[] Body(uint cmd)
    {
        var parser = CommandTable.Find(cmd)?.Parser;
        if (parser is null || _random.Next(4) == 0)
        {
            return RandomBytes(_random.Next(0, 200));
        }

        var message = Fill(parser.ParseFrom([]).Descriptor, depth: 0);
        var bytes = message.ToByteArray();
        return (_random.Next(7)) switch
        {
            0 => bytes, // well formed, random values (ids of others, zero ids, huge numbers, long text)
            1 => Flip(bytes),
            2 => bytes.Length > 0 ? bytes[.._random.Next(bytes.Length)] : bytes, // truncated
            3 => [.. bytes, .. RandomBytes(_random.Next(1, 20))], // trailing garbage
            4 => [.. bytes, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], // a length-delimited field claiming 4 GB
            5 => DropField(message),
            _ => [.. bytes, .. bytes], // repeated fields
        };
    }

    /// <summary>A byte stream a client might send on a fresh connection that breaks framing in some way.</summary>
    public (string Kind, byte[] Bytes) BrokenStream(int maxBodyLength)
    {
        var (cmd, frame) = HostileRequest((ulong)_random.NextInt64());
        switch (_random.Next(6))
        {
            case 0:
                BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(12), (uint)_random.Next());
                return ("bad checksum", frame);
            case 1:
                BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), (uint)(maxBodyLength + 1 + _random.Next(1 << 20)));
                return ("length over the limit", frame);
            case 2:
                return ("garbage", RandomBytes(_random.Next(36, 300)));
            case 3:
                return ("truncated", frame[.._random.Next(1, frame.Length)]);
            case 4:
                BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), uint.MaxValue - (uint)_random.Next(16));
                return ("length near 4 GB", frame);
            default:
                // Anything but ONLINE and PING (both allowed before login).
                var early = cmd is Cmd.Online or Cmd.Ping ? Cmd.Sync : cmd;
                return ("request before login", Frame(early, 1, Body(early)));
        }
    }

    public static byte[] Frame(uint cmd, ulong serial, byte[] body)
    {
        var frame = new byte[FrameHeader.Size + body.Length];
        new FrameHeader(cmd, FrameHeader.FlagUser, (uint)body.Length, 0, 0, serial).Write(frame);
        body.CopyTo(frame, FrameHeader.Size);
        return frame;
    }

    private byte[] Flip(byte[] bytes)
    {
        var copy = bytes.ToArray();
        for (var i = _random.Next(1, 4); i > 0 && copy.Length > 0; i--)
        {
            copy[_random.Next(copy.Length)] ^= (byte)(1 << _random.Next(8));
        }

        return copy;
    }

    private byte[] DropField(IMessage message)
    {
        var fields = message.Descriptor.Fields.InFieldNumberOrder().Where(f => !f.IsRepeated).ToList();
        if (fields.Count > 0)
        {
            fields[_random.Next(fields.Count)].Accessor.Clear(message);
        }

        return message.ToByteArray();
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private IMessage Fill(MessageDescriptor descriptor, int depth)
    {
        var message = descriptor.Parser.ParseFrom([]);
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (!field.IsRequired && _random.Next(2) == 0)
            {
                continue;
            }

            if (field.IsRepeated)
            {
                var list = (System.Collections.IList)field.Accessor.GetValue(message);
                for (var i = _random.Next(depth < 2 ? 40 : 1); i > 0; i--)
                {
                    list.Add(Value(field, depth));
                }

                continue;
            }

            field.Accessor.SetValue(message, Value(field, depth));
        }

        return message;
    }

    private object Value(FieldDescriptor field, int depth) => field.FieldType switch
    {
        FieldType.UInt64 => _random.Next(4) switch
        {
            0 => 0UL,
            1 => (ulong)_random.Next(1, 100),
            2 => ulong.MaxValue,
            _ => (ulong)_random.NextInt64(),
        },
        FieldType.UInt32 => _random.Next(3) switch
        {
            0 => 0u,
            1 => (uint)_random.Next(0, 0x700),
            _ => uint.MaxValue - (uint)_random.Next(3),
        },
        FieldType.String => _random.Next(5) == 0 ? new string('x', _random.Next(8000, 15000)) : "fuzz" + _random.Next(),
        FieldType.Bytes => ByteString.CopyFrom(RandomBytes(_random.Next(0, 64))),
        FieldType.Bool => _random.Next(2) == 1,
        FieldType.Message => Fill(field.MessageType, depth + 1),
        _ => throw new NotSupportedException(field.FieldType.ToString()),
    };
}
