using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using OrleansIm.WebCodecGen;

namespace OrleansIm.Tests.Web;

/// <summary>
/// The web client's codec against the server's: the committed tables match Protocol/im.proto, and every message
/// and frame the C# protobuf runtime writes is read back and written again byte for byte by the browser's code
/// (run in node).
/// </summary>
public sealed class WebCodecTests
{
    [Fact]
    public void The_committed_protocol_tables_match_im_proto()
    {
        var committed = File.ReadAllText(Path.Combine(RepositoryRoot.Path, WebCodecWriter.RelativePath));
        var generated = WebCodecWriter.Write();
        Assert.True(committed == generated,
            $"{WebCodecWriter.RelativePath} is stale: run scripts/gen-web-codec.sh and commit the result");
    }

    [Fact]
    public void The_tables_list_every_message_and_command()
    {
        var generated = WebCodecWriter.Write();
        foreach (var message in ImReflection.Descriptor.MessageTypes)
        {
            Assert.Contains($"  {message.Name}: [", generated);
        }

        foreach (var command in CommandTable.All)
        {
            Assert.Contains($"0x{command.Id:X4}: [\"{command.Name}\"", generated);
        }
    }

    [Fact]
    public async Task Every_message_and_frame_round_trips_through_the_browser_codec()
    {
        var random = new Random(20261202);
        var cases = new List<(string Kind, string Type, byte[] Bytes, IMessage? Message)>();
        foreach (var descriptor in ImReflection.Descriptor.MessageTypes)
        {
            for (var i = 0; i < 20; i++)
            {
                var message = Fill(descriptor, random, depth: 0, allOptional: i % 2 == 0);
                cases.Add(("message", descriptor.Name, message.ToByteArray(), message));
            }
        }

        foreach (var command in CommandTable.All)
        {
            IMessage? body = command.Parser is null ? null : Fill(command.Parser.ParseFrom([]).Descriptor, random, 0, allOptional: true);
            var frame = command.OpaqueBody
                ? FrameWriter.EncodeRaw(command.Id, 0, NextU64(random), (uint)random.Next(), NextU64(random), Bytes(random))
                : FrameWriter.Encode(command.Id, 1, NextU64(random), (uint)random.Next(), NextU64(random), body);
            cases.Add(("frame", command.Name, frame, null));
        }

        // A body without a required field is refused, as the server refuses it.
        cases.Add(("message", "Chat", new Chat { Orig = 1, Dest = 2, Level = 0, Time = 5 }.ToByteArray(), null));

        var results = await RunNodeAsync(cases.Select(c => $"{c.Kind} {c.Type} {Convert.ToHexString(c.Bytes).ToLowerInvariant()}"));
        Assert.Equal(cases.Count, results.Count);
        for (var i = 0; i < cases.Count - 1; i++)
        {
            var (kind, type, bytes, message) = cases[i];
            var result = results[i];
            Assert.False(result.TryGetProperty("error", out var error), $"{kind} {type}: {error}");
            Assert.Equal(Convert.ToHexString(bytes).ToLowerInvariant(), result.GetProperty("hex").GetString());
            if (message is not null)
            {
                AssertFields(message, result.GetProperty("fields"));
            }
        }

        Assert.Contains("Chat.text is missing", results[^1].GetProperty("error").GetString());
        Assert.True(cases.Count > 1000, $"{cases.Count} cases");
    }

    private static void AssertFields(IMessage message, JsonElement fields)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.IsRepeated || field.FieldType == FieldType.Message)
            {
                continue;
            }

            var has = field.Accessor.HasValue(message);
            Assert.Equal(has, fields.TryGetProperty(field.JsonName, out var value));
            if (!has)
            {
                continue;
            }

            var expected = field.Accessor.GetValue(message) switch
            {
                ByteString b => Convert.ToHexString(b.ToByteArray()).ToLowerInvariant(),
                bool flag => flag ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString(),
            };
            Assert.Equal(expected, value.GetString());
        }
    }

    private static IMessage Fill(MessageDescriptor descriptor, Random random, int depth, bool allOptional)
    {
        var message = descriptor.Parser.ParseFrom([]);
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (!field.IsRequired && !allOptional && random.Next(2) == 0)
            {
                continue;
            }

            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                for (var i = random.Next(4); i > 0 && depth < 2; i--)
                {
                    list.Add(Value(field, random, depth, allOptional));
                }

                continue;
            }

            field.Accessor.SetValue(message, Value(field, random, depth, allOptional));
        }

        return message;
    }

    private static object Value(FieldDescriptor field, Random random, int depth, bool allOptional) => field.FieldType switch
    {
        FieldType.UInt64 => NextU64(random),
        FieldType.UInt32 => random.Next(4) == 0 ? uint.MaxValue - (uint)random.Next(3) : (uint)random.Next(),
        FieldType.String => Text(random),
        FieldType.Bytes => ByteString.CopyFrom(Bytes(random)),
        FieldType.Bool => random.Next(2) == 1,
        FieldType.Message => Fill(field.MessageType, random, depth + 1, allOptional),
        _ => throw new NotSupportedException(field.FieldType.ToString()),
    };

    /// <summary>Zero, small ids, values around 2^53 (where JavaScript numbers stop being exact) and the full range.</summary>
    private static ulong NextU64(Random random) => random.Next(5) switch
    {
        0 => 0,
        1 => (ulong)random.Next(1, 1_000_000),
        2 => (1UL << 53) + (ulong)random.Next(-2, 3),
        3 => ulong.MaxValue - (ulong)random.Next(3),
        _ => (ulong)random.NextInt64() * 2 + (ulong)random.Next(2),
    };

    private static string Text(Random random)
    {
        string[] pieces = ["", "a", "héllo", "中文", "🙂", "\u0000", "line\nbreak", new string('x', 300)];
        var text = new StringBuilder();
        for (var i = random.Next(4); i > 0; i--)
        {
            text.Append(pieces[random.Next(pieces.Length)]);
        }

        return text.ToString();
    }

    private static byte[] Bytes(Random random)
    {
        var bytes = new byte[random.Next(0, 200)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Copies the SDK's codec (which the page loads) next to the check script in a temporary ES-module folder and runs node.</summary>
    private static async Task<List<JsonElement>> RunNodeAsync(IEnumerable<string> lines)
    {
        var work = Directory.CreateTempSubdirectory("im-codec-");
        try
        {
            var js = Path.Combine(RepositoryRoot.Path, "sdk", "js", "src");
            File.Copy(Path.Combine(js, "codec.js"), Path.Combine(work.FullName, "codec.js"));
            File.Copy(Path.Combine(js, "protocol.g.js"), Path.Combine(work.FullName, "protocol.g.js"));
            File.Copy(Path.Combine(RepositoryRoot.Path, "tests", "OrleansIm.Tests", "Web", "codec-check.mjs"), Path.Combine(work.FullName, "check.mjs"));
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "package.json"), "{\"type\":\"module\"}");
            var input = Path.Combine(work.FullName, "cases.txt");
            await File.WriteAllLinesAsync(input, lines);

            var start = new ProcessStartInfo("node", ["check.mjs", input])
            {
                WorkingDirectory = work.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var node = Process.Start(start)!;
            var stdout = node.StandardOutput.ReadToEndAsync();
            var stderr = node.StandardError.ReadToEndAsync();
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(node.ExitCode == 0, await stderr);
            return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
