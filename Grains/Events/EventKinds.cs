namespace OrleansIm.Grains.Events;

/// <summary>The webhook event types: the number stored in the outbox and the name a receiver sees.</summary>
public static class EventKinds
{
    /// <summary>A message was stored for a user (or group members) with no online session: what a mobile push needs.</summary>
    public const int MessageOffline = 1;

    /// <summary>Every stored CHAT and GROUP-CHAT, with its text (archiving, search, analytics).</summary>
    public const int MessageStored = 2;

    public const int SessionOnline = 3;

    public const int SessionOffline = 4;

    /// <summary>A user's relation to another changed (friend, request, blacklist, mute, remark).</summary>
    public const int ContactChanged = 5;

    /// <summary>A group was created or dismissed, or a member joined, left, was removed, banned, muted or appointed.</summary>
    public const int GroupMember = 6;

    public const string MessageOfflineName = "message.offline";

    public static readonly IReadOnlyList<string> Names =
        [MessageOfflineName, "message.stored", "session.online", "session.offline", "contact.changed", "group.member"];

    /// <summary>The kind named <paramref name="name"/>, or 0.</summary>
    public static int FromName(string name)
    {
        for (int i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        return 0;
    }

    public static string NameOf(int kind) => kind >= 1 && kind <= Names.Count ? Names[kind - 1] : $"kind-{kind}";
}
