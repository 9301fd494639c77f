using System.Globalization;
using System.Text;
using Google.Protobuf.Reflection;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.WebCodecGen;

/// <summary>
/// Writes the client SDK's protocol module (used by the web client too) from the compiled <c>Protocol/im.proto</c> (its protoc-generated
/// descriptor), the command table and the result codes: every message with its fields (number, name, type, rule),
/// every command with its body and its reply, and every code with its text. The SDK's codec
/// (<c>sdk/js/src/codec.js</c>, served to the web page under <c>/sdk/</c>) encodes and decodes from these tables.
/// </summary>
public static class WebCodecWriter
{
    /// <summary>Where the module lives, relative to the repository root.</summary>
    public const string RelativePath = "sdk/js/src/protocol.g.js";

    private static readonly uint[] Codes =
    [
        ResultCode.Ok, ResultCode.Internal, ResultCode.Unavailable, ResultCode.PermissionDenied, ResultCode.IllegalRequest,
        ResultCode.FrameTooLong, ResultCode.RateLimited, ResultCode.LoginFailed, ResultCode.BadBody, ResultCode.InvalidParameter,
        ResultCode.SessionConflict, ResultCode.InvalidHeader, ResultCode.Blacklisted, ResultCode.NotFound,
        ResultCode.AlreadyExists, ResultCode.NotMember, ResultCode.Gagged, ResultCode.CapacityReached, ResultCode.Banned,
        ResultCode.TooLate, ResultCode.ModerationRejected, ResultCode.ModerationUnavailable,
    ];

    public static string Write()
    {
        var text = new StringBuilder();
        text.Append("// Generated from Protocol/im.proto, Protocol/CommandTable.cs and Protocol/ResultCode.cs by\n");
        text.Append("// tools/WebCodecGen (scripts/gen-web-codec.sh). Do not edit: a test fails when this file is stale.\n\n");
        text.Append("export const HEADER_LENGTH = ").Append(FrameHeader.Size.ToString(CultureInfo.InvariantCulture)).Append(";\n");
        text.Append("export const CHECKSUM = 0x").Append(FrameHeader.Checksum.ToString("X8", CultureInfo.InvariantCulture)).Append(";\n\n");

        text.Append("// message name -> fields [number, name, type, rule]; type is a scalar type or a message name.\n");
        text.Append("export const MESSAGES = {\n");
        foreach (var message in ImReflection.Descriptor.MessageTypes)
        {
            text.Append("  ").Append(message.Name).Append(": [");
            var first = true;
            foreach (var field in message.Fields.InFieldNumberOrder())
            {
                text.Append(first ? "" : ", ");
                first = false;
                text.Append('[').Append(field.FieldNumber.ToString(CultureInfo.InvariantCulture)).Append(", \"")
                    .Append(field.JsonName).Append("\", \"").Append(TypeOf(field)).Append("\", \"")
                    .Append(RuleOf(field)).Append("\"]");
            }

            text.Append("],\n");
        }

        text.Append("};\n\n");

        text.Append("// command id -> [name, body message (null: none, \"bytes\": opaque), reply id (0: none), direction]\n");
        text.Append("export const COMMANDS = {\n");
        foreach (var command in CommandTable.All)
        {
            var body = command.OpaqueBody ? "\"bytes\"" : command.Parser is null ? "null" : '"' + command.Parser.ParseFrom([]).Descriptor.Name + '"';
            var reply = command.Direction.HasFlag(Direction.ClientToServer)
                ? CommandTable.All.FirstOrDefault(c => c.Name == command.Name + "-ACK" && c.Direction.HasFlag(Direction.ServerToClient))?.Id ?? 0
                : 0;
            var direction = command.Direction switch
            {
                Direction.ClientToServer => "c2s",
                Direction.ServerToClient => "s2c",
                _ => "both",
            };
            text.Append("  0x").Append(command.Id.ToString("X4", CultureInfo.InvariantCulture)).Append(": [\"").Append(command.Name)
                .Append("\", ").Append(body).Append(", 0x").Append(reply.ToString("X4", CultureInfo.InvariantCulture))
                .Append(", \"").Append(direction).Append("\"],\n");
        }

        text.Append("};\n\n");

        text.Append("// result code -> text\n");
        text.Append("export const CODES = {\n");
        foreach (var code in Codes)
        {
            text.Append("  ").Append(code.ToString(CultureInfo.InvariantCulture)).Append(": \"").Append(ResultCode.Message(code)).Append("\",\n");
        }

        text.Append("};\n");
        return text.ToString();
    }

    private static string RuleOf(FieldDescriptor field) =>
        field.IsRepeated ? "repeated" : field.IsRequired ? "required" : "optional";

    private static string TypeOf(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.UInt64 => "uint64",
        FieldType.Int64 => "int64",
        FieldType.UInt32 => "uint32",
        FieldType.Int32 => "int32",
        FieldType.Bool => "bool",
        FieldType.String => "string",
        FieldType.Bytes => "bytes",
        FieldType.Message => field.MessageType.Name,
        _ => throw new NotSupportedException($"{field.FullName}: field type {field.FieldType} has no web codec yet"),
    };
}
