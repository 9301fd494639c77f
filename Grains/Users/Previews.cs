using Google.Protobuf;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Grains.Users;

/// <summary>The first characters of a chat message, as conversation lists show it; empty for a recalled message.</summary>
public static class Previews
{
    /// <summary>Characters a preview keeps (fewer where a pair of UTF-16 units would be cut).</summary>
    public const int Length = 64;

    public static string OfChat(byte[] body) => Cut(Parse(Chat.Parser, body) is { Recalled: false } chat ? chat.Text : "");

    public static string OfGroupChat(byte[] body) => Cut(Parse(GroupChat.Parser, body) is { Recalled: false } chat ? chat.Text : "");

    private static T? Parse<T>(MessageParser<T> parser, byte[] body)
        where T : class, IMessage<T>
    {
        try
        {
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException)
        {
            // Stored bodies were checked on the way in; a preview of one that is not a chat is simply empty.
            return null;
        }
    }

    private static string Cut(string text)
    {
        if (text.Length <= Length)
        {
            return text;
        }

        var end = char.IsHighSurrogate(text[Length - 1]) ? Length - 1 : Length;
        return text[..end];
    }
}
