using System.Text;
using System.Text.Json;
using Google.Protobuf;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Cli;

/// <summary>
/// What the CLI prints: one readable line per event, or with <c>--json</c> one JSON object per line
/// (<c>{"event":…}</c>) for scripts. Errors go to standard error.
/// </summary>
public sealed class Output(bool json, TextWriter stdout, TextWriter stderr)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private readonly Lock _lock = new();

    public bool Json => json;

    /// <summary>A result: <paramref name="text"/> for people, <paramref name="fields"/> for scripts.</summary>
    public void Result(string kind, string text, params (string Name, object? Value)[] fields)
    {
        if (!json)
        {
            WriteLine(text);
            return;
        }

        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("event", kind);
            foreach (var (name, value) in fields)
            {
                writer.WritePropertyName(name);
                JsonSerializer.Serialize(writer, value);
            }

            writer.WriteEndObject();
        }

        WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>A frame the server pushed (or replayed).</summary>
    public void Frame(ReceivedFrame frame)
    {
        var info = CommandTable.Find(frame.Type);
        var name = CommandTable.NameOf(frame.Type);
        IMessage? body = null;
        string? raw = null;
        try
        {
            if (info?.Parser is { } parser)
            {
                body = parser.ParseFrom(frame.Body);
            }
            else if (frame.Body.Length > 0)
            {
                raw = Text(frame.Body);
            }
        }
        catch (InvalidProtocolBufferException)
        {
            raw = Convert.ToHexString(frame.Body);
        }

        if (json)
        {
            var line = new StringBuilder("{\"event\":\"frame\",\"cmd\":").Append(JsonSerializer.Serialize(name))
                .Append(",\"serial\":").Append(frame.Header.Serial);
            if (body is not null)
            {
                line.Append(",\"body\":").Append(Formatter.Format(body));
            }
            else if (raw is not null)
            {
                line.Append(",\"data\":").Append(JsonSerializer.Serialize(raw));
            }

            WriteLine(line.Append('}').ToString());
            return;
        }

        WriteLine(body switch
        {
            Chat c => $"[seq {frame.Header.Serial}] {c.Orig} -> {c.Dest}: {c.Text}",
            GroupChat g => $"[group {g.Gid} seq {frame.Header.Serial}] {g.Uid}: {g.Text}",
            RoomChat r => $"[room {r.Rid}] {r.Uid}: {r.Text}",
            RoomBc b => $"[room {b.Rid} broadcast] {Text(b.Data.ToByteArray())}",
            RoomUsrNum n => $"[room {n.Rid}] {n.Num} here",
            FriendAdd f => $"[seq {frame.Header.Serial}] friend request from {f.Orig}",
            FriendDel f => $"[seq {frame.Header.Serial}] {f.Orig} ended the friendship",
            null when raw is not null => $"[{name}] {raw}",
            null => name,
            _ => $"{name} {Formatter.Format(body)}",
        });
    }

    public void Error(string message)
    {
        lock (_lock)
        {
            stderr.WriteLine("im: " + message);
            stderr.Flush();
        }
    }

    private void WriteLine(string line)
    {
        lock (_lock)
        {
            stdout.WriteLine(line);
            stdout.Flush();
        }
    }

    private static string Text(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Convert.ToHexString(bytes);
        }
    }
}
