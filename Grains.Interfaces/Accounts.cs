namespace OrleansIm.Grains.Interfaces;

/// <summary>Everything a user grain keeps about its user, for an export: contacts, groups, read positions, settings.</summary>
[GenerateSerializer, Immutable, Alias("im.AccountSnapshot")]
public sealed record AccountSnapshot(
    [property: Id(0)] ulong[] Friends,
    [property: Id(1)] ulong[] RequestsIn,
    [property: Id(2)] ulong[] RequestsOut,
    [property: Id(3)] ulong[] Blacklist,
    [property: Id(4)] ulong[] Gagged,
    [property: Id(5)] Dictionary<ulong, string> Marks,
    [property: Id(6)] ulong ContactsVersion,
    [property: Id(7)] Dictionary<ulong, ulong> GroupCursors,
    [property: Id(8)] ulong[] CreatedGroups,
    [property: Id(9)] ulong DeliveryCursor,
    [property: Id(10)] Dictionary<ulong, ulong> ReadPeers,
    [property: Id(11)] Dictionary<ulong, ulong> ReadGroups,
    [property: Id(12)] Dictionary<ulong, ulong> PeerReads,
    [property: Id(13)] bool ReceiptsOff,
    [property: Id(14)] ulong LastSeen,
    [property: Id(15)] ulong InboxHead);

/// <summary>What erasing a user's own data removed: inbox entries, and messages it sent that became tombstones.</summary>
[GenerateSerializer, Immutable, Alias("im.AccountErasure")]
public sealed record AccountErasure(
    [property: Id(0)] long InboxEntries,
    [property: Id(1)] long Tombstoned,
    [property: Id(2)] bool HadState);

/// <summary>What erasing a member did to a group.</summary>
public enum GroupErasure
{
    /// <summary>The user was not a member (or the group is gone).</summary>
    NotMember,

    /// <summary>The user left, as by GROUP-QUIT.</summary>
    Left,

    /// <summary>The user owned the group: ownership passed to a manager, or else to a member, and the user left.</summary>
    OwnershipPassed,

    /// <summary>The user owned the group and was its only member: the group was dismissed.</summary>
    Dismissed,
}
