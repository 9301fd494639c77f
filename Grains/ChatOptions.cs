namespace OrleansIm.Grains;

/// <summary>Message rules shared by private and group chat, bound from the <c>Chat</c> section.</summary>
public sealed class ChatOptions
{
    public const string Section = "Chat";

    /// <summary>How long after it was stored a sender may recall a message (a group's owner and managers: always).</summary>
    public TimeSpan RecallWindow { get; set; } = TimeSpan.FromMinutes(2);
}
