using System.Text.Json;
using Google.Protobuf;
using OrleansIm.Grains.Storage;
using OrleansIm.Grains.Users;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Events;

/// <summary>The JSON of a webhook POST: <c>{"events":[…]}</c>, each event with its id, type and time, then its fields.</summary>
public static class WebhookPayload
{
    public static byte[] Write(IReadOnlyList<OutboxItem> items)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("events");
            foreach (var item in items)
            {
                WriteEvent(w, item);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteEvent(Utf8JsonWriter w, OutboxItem item)
    {
        w.WriteStartObject();
        w.WriteNumber("id", item.Id);
        w.WriteString("type", EventKinds.NameOf(item.Kind));
        w.WriteNumber("time", item.Created.ToUnixTimeMilliseconds());
        if (item.Log is { } log)
        {
            WriteMessage(w, item, log);
        }

        if (item.Payload is { Length: > 0 } payload)
        {
            // The event's own fields (a message event's: the read position is only for the unread count).
            using var fields = JsonDocument.Parse(payload);
            foreach (var field in fields.RootElement.EnumerateObject())
            {
                if (field.Name != "read_seq")
                {
                    field.WriteTo(w);
                }
            }
        }

        w.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter w, OutboxItem item, LogKind log)
    {
        w.WriteNumber(log == LogKind.Inbox ? "uid" : "gid", item.Owner);
        w.WriteNumber("seq", item.Seq);
        if (item.Message is not { } message)
        {
            // Trimmed or erased before it was posted: the event still says which entry it was.
            w.WriteBoolean("gone", true);
            return;
        }

        w.WriteNumber("from", message.Orig);
        w.WriteNumber("stored_at", message.Created.ToUnixTimeMilliseconds());
        var full = item.Kind == EventKinds.MessageStored;
        if (message.Cmd == Cmd.Chat && Parse(Chat.Parser, message.Body) is { } chat)
        {
            w.WriteNumber("to", chat.Dest);
            WriteText(w, full, chat.Text, chat.Recalled, Previews.OfChat(message.Body));
        }
        else if (message.Cmd == Cmd.GroupChat && Parse(GroupChat.Parser, message.Body) is { } groupChat)
        {
            WriteText(w, full, groupChat.Text, groupChat.Recalled, Previews.OfGroupChat(message.Body));
        }

        if (item.Unread is { } unread)
        {
            w.WriteNumber("unread", unread);
        }
    }

    private static void WriteText(Utf8JsonWriter w, bool full, string text, bool recalled, string preview)
    {
        if (full)
        {
            w.WriteString("text", recalled ? "" : text);
        }
        else
        {
            w.WriteString("preview", preview);
        }

        if (recalled)
        {
            w.WriteBoolean("recalled", true);
        }
    }

    private static T? Parse<T>(MessageParser<T> parser, byte[] body)
        where T : class, IMessage<T>
    {
        try
        {
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
