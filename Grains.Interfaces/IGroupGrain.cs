using Orleans.Concurrency;

namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// One group (key: gid): owner, managers, members, gagged and banned users, name and description (persisted), the
/// group log (in the message store), and which members are online on which gateway node (memory, rebuilt from the
/// gateways on activation). Methods return protocol reply codes.
/// </summary>
[Alias("im.IGroupGrain")]
public interface IGroupGrain : IGrainWithIntegerKey
{
    /// <summary>Creates the group with <paramref name="owner"/> as owner and first member; 20016 if it exists.</summary>
    [Alias("Create")]
    Task<uint> Create(ulong owner, string name, string desc);

    [Alias("Dismiss")]
    Task<uint> Dismiss(ulong caller);

    [Alias("Join")]
    Task<uint> Join(ulong uid);

    [Alias("Quit")]
    Task<uint> Quit(ulong uid);

    /// <summary>A member adds <paramref name="invitee"/>, who gets the GROUP-INVITE frame in the inbox.</summary>
    [Alias("Invite")]
    Task<uint> Invite(ulong inviter, ulong invitee, byte[] inviteBody);

    /// <summary>
    /// Stores the message once in the log (once per (uid, serial)) and delivers it to the online members. Interleaves:
    /// consecutive messages are committed together, each started in the order its connection sent it.
    /// </summary>
    [AlwaysInterleave]
    [Alias("Chat.v2")]
    Task<GroupChatResult> Chat(ulong uid, ulong serial, SessionAddress source, [Immutable] byte[] body, CallOrder order);

    /// <summary>An owner or manager acts on a member; the rank rules decide.</summary>
    [Alias("Moderate")]
    Task<uint> Moderate(ulong caller, ulong target, GroupAction action);

    [Alias("ListMembers")]
    Task<GroupMemberPage> ListMembers(ulong caller, uint offset, uint num);

    /// <summary>Log entries after <paramref name="afterSeq"/>, for a member's SYNC; empty for non-members.</summary>
    [Alias("ReadLog")]
    Task<IReadOnlyList<LogEntry>> ReadLog(ulong uid, ulong afterSeq, int max);

    /// <summary>
    /// What <paramref name="uid"/>'s conversation list shows of this group (its role "" when not a member). Interleaves:
    /// a user grain may ask while this group waits on that user.
    /// </summary>
    [AlwaysInterleave]
    [Alias("Summarize")]
    Task<GroupSummary> Summarize(ulong uid);

    /// <summary>GROUP-INFO for <paramref name="caller"/>: members always, others as configured (else 20017).</summary>
    [Alias("GetInfo")]
    Task<GroupInfoResult> GetInfo(ulong caller);

    /// <summary>GROUP-SET-INFO: the owner or a manager changes the name and/or description (null: unchanged); a notice goes in the log.</summary>
    [Alias("SetInfo")]
    Task<uint> SetInfo(ulong caller, string? name, string? desc);

    /// <summary>GROUP-RECALL of the message at <paramref name="seq"/>: its sender within the recall window, the owner or a manager always.</summary>
    [Alias("Recall")]
    Task<uint> Recall(ulong caller, ulong seq);

    /// <summary>GROUP-TYPING: tells the online members (subscribed to the class) that <paramref name="uid"/> is typing; returns the code.</summary>
    [Alias("Typing")]
    Task<uint> Typing(ulong uid, SessionAddress source);

    /// <summary>A member's sessions appeared on (or left) a gateway node.</summary>
    [OneWay]
    [Alias("MemberPresence")]
    Task MemberPresence(ulong uid, NodeRef node, bool online);

    /// <summary>All members as GROUP-USR-LIST would list them, for the admin API.</summary>
    [Alias("DescribeMembers")]
    Task<GroupMemberPage> DescribeMembers();

    /// <summary>
    /// Removes an erased account: a member leaves as by GROUP-QUIT; an owner first passes the group to its lowest
    /// manager, or else its lowest member, and a group with no other member is dismissed.
    /// </summary>
    [Alias("EraseMember")]
    Task<GroupErasure> EraseMember(ulong uid);
}
