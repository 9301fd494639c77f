using System.Buffers;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using OrleansIm.Protocol;

namespace OrleansIm.Tests.Protocol;

/// <summary>
/// Every command body: the message type has exactly the fields docs/protocol.md names, encodes to the bytes a hand
/// encoder produces from that table, and reads back through the frame reader fed whole, split at every offset,
/// and byte by byte.
/// </summary>
public sealed class MessageLayoutTests
{
    public static TheoryData<uint> CommandsWithBodies()
    {
        var data = new TheoryData<uint>();
        foreach (var command in CommandTable.All.Where(c => c.Parser is not null))
        {
            data.Add(command.Id);
        }

        return data;
    }

    [Fact]
    public void Every_command_with_a_body_has_a_documented_layout_and_vice_versa()
    {
        var withBodies = CommandTable.All.Where(c => c.Parser is not null).Select(c => c.Id).Order().ToList();
        Assert.Equal(WireLayouts.ByCommand.Keys.Order().ToList(), withBodies);
        Assert.Equal(CommandTable.All.Count, CommandTable.All.Select(c => c.Id).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(CommandsWithBodies))]
    public void Body_fields_match_the_protocol_table(uint cmd)
    {
        var descriptor = CommandTable.Find(cmd)!.Parser!.ParseFrom(ReadOnlySequence<byte>.Empty).Descriptor;
        AssertLayout(CommandTable.NameOf(cmd), descriptor, WireLayouts.Fields(cmd).ToList());
    }

    private static void AssertLayout(string what, MessageDescriptor descriptor, List<(int Number, string Kind)> expected)
    {
        Assert.Equal(expected.Select(f => f.Number), descriptor.Fields.InFieldNumberOrder().Select(f => f.FieldNumber));
        foreach (var (number, kind) in expected)
        {
            var field = descriptor.FindFieldByNumber(number);
            var actual = field.FieldType switch
            {
                FieldType.UInt64 when field.IsRepeated => "u64*",
                FieldType.UInt64 => "u64",
                FieldType.UInt32 => "u32",
                FieldType.String => "str",
                FieldType.Bytes => "bytes",
                FieldType.Bool => "bool",
                FieldType.Message when field.IsRepeated && field.MessageType.Name == "GroupCursor" => "cursor",
                FieldType.Message when field.IsRepeated => $"[{field.MessageType.Name}]",
                FieldType.Message => $"{{{field.MessageType.Name}}}",
                var other => other.ToString(),
            };
            Assert.True(kind == actual, $"{what} field {number}: protocol says {kind}, proto has {actual}");
            if (field.FieldType == FieldType.Message && kind != "cursor")
            {
                AssertLayout($"{what}.{field.MessageType.Name}", field.MessageType, WireLayouts.Parse(WireLayouts.Nested[field.MessageType.Name]).ToList());
            }
        }
    }

    [Theory]
    [MemberData(nameof(CommandsWithBodies))]
    public void Frame_encodes_to_golden_bytes_and_reads_back_however_it_is_split(uint cmd)
    {
        var (message, body) = Populate(cmd);
        var golden = HandEncoder.Header(cmd, 1, (uint)body.Length, 0x0102030405060708, 9, 0xA1B2C3D4E5F60718).Concat(body).ToArray();

        var encoded = FrameWriter.Encode(cmd, 1, 0x0102030405060708, 9, 0xA1B2C3D4E5F60718, message);
        Assert.Equal(Convert.ToHexString(golden), Convert.ToHexString(encoded));

        var piped = new ArrayBufferWriter<byte>();
        FrameWriter.Write(piped, cmd, 1, 0x0102030405060708, 9, 0xA1B2C3D4E5F60718, message);
        Assert.Equal(golden, piped.WrittenSpan.ToArray());

        var parser = CommandTable.Find(cmd)!.Parser!;
        var reader = new FrameReader(64 * 1024);

        AssertReadsBack(cmd, reader, parser, Segments.Of(golden), message);
        for (int split = 0; split <= golden.Length; split++)
        {
            AssertReadsBack(cmd, reader, parser, Segments.Of(golden[..split], golden[split..]), message);
        }

        AssertReadsBackByteByByte(cmd, reader, parser, golden, message);
    }

    private static void AssertReadsBack(uint cmd, FrameReader reader, MessageParser parser, ReadOnlySequence<byte> input, IMessage expected)
    {
        Assert.True(reader.TryRead(ref input, out var frame));
        Assert.Equal(0, input.Length);
        Assert.Equal(new FrameHeader(cmd, 1, (uint)expected.CalculateSize(), 0x0102030405060708, 9, 0xA1B2C3D4E5F60718), frame.Header);
        Assert.Equal(expected, parser.ParseFrom(frame.Body));
    }

    private static void AssertReadsBackByteByByte(uint cmd, FrameReader reader, MessageParser parser, byte[] golden, IMessage expected)
    {
        for (int have = 0; have < golden.Length; have++)
        {
            var partial = Segments.Of(golden[..have]);
            Assert.False(reader.TryRead(ref partial, out _));
            Assert.Equal(have, partial.Length);
        }

        var parts = golden.Select(b => new[] { b }).ToArray();
        AssertReadsBack(cmd, reader, parser, Segments.Of(parts), expected);
    }

    /// <summary>A message with every field set to a value derived from its number, and its hand-encoded body.</summary>
    private static (IMessage Message, byte[] Body) Populate(uint cmd)
    {
        var message = CommandTable.Find(cmd)!.Parser!.ParseFrom(ReadOnlySequence<byte>.Empty);
        return (message, Populate(message, WireLayouts.Fields(cmd)));
    }

    private static byte[] Populate(IMessage message, IEnumerable<(int Number, string Kind)> layout)
    {
        var descriptor = message.Descriptor;
        var hand = new HandEncoder();
        foreach (var (number, kind) in layout)
        {
            var field = descriptor.FindFieldByNumber(number);
            switch (kind)
            {
                case "u64":
                    ulong u64 = 0x1_0000_0000UL * (ulong)number + 300;
                    field.Accessor.SetValue(message, u64);
                    hand.Varint(number, u64);
                    break;
                case "u32":
                    uint u32 = 300u * (uint)number + 1;
                    field.Accessor.SetValue(message, u32);
                    hand.Varint(number, u32);
                    break;
                case "str":
                    var text = $"f{number}-é中";
                    field.Accessor.SetValue(message, text);
                    hand.String(number, text);
                    break;
                case "bytes":
                    byte[] raw = [(byte)number, 0, 0xFF];
                    field.Accessor.SetValue(message, ByteString.CopyFrom(raw));
                    hand.Bytes(number, raw);
                    break;
                case "cursor":
                    var list = (System.Collections.IList)field.Accessor.GetValue(message);
                    foreach (var (gid, seq) in new[] { (7UL, 70UL), (1UL << 40, 1UL << 33) })
                    {
                        var cursor = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
                        cursor.Descriptor.FindFieldByNumber(1).Accessor.SetValue(cursor, gid);
                        cursor.Descriptor.FindFieldByNumber(2).Accessor.SetValue(cursor, seq);
                        list.Add(cursor);
                        hand.Bytes(number, new HandEncoder().Varint(1, gid).Varint(2, seq).ToArray());
                    }

                    break;
                case "bool":
                    field.Accessor.SetValue(message, true);
                    hand.Varint(number, 1);
                    break;
                case "u64*":
                    var numbers = (System.Collections.IList)field.Accessor.GetValue(message);
                    foreach (var value in new[] { 5UL, 1UL << 50 })
                    {
                        numbers.Add(value);
                        hand.Varint(number, value);
                    }

                    break;
                case ['[', .., ']']:
                    var items = (System.Collections.IList)field.Accessor.GetValue(message);
                    for (int i = 0; i < 2; i++)
                    {
                        var item = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
                        hand.Bytes(number, Populate(item, WireLayouts.Parse(WireLayouts.Nested[field.MessageType.Name])));
                        items.Add(item);
                    }

                    break;
                case ['{', .., '}']:
                    var single = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
                    hand.Bytes(number, Populate(single, WireLayouts.Parse(WireLayouts.Nested[field.MessageType.Name])));
                    field.Accessor.SetValue(message, single);
                    break;
                default:
                    throw new InvalidOperationException(kind);
            }
        }

        return hand.ToArray();
    }
}
