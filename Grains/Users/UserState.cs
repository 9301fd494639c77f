namespace OrleansIm.Grains.Users;

/// <summary>A user's persisted state: contacts and the counters that must survive a restart.</summary>
[GenerateSerializer, Alias("im.UserState")]
public sealed class UserState : ICopyableState<UserState>
{
    [Id(0)]
    public HashSet<ulong> Friends { get; set; } = [];

    /// <summary>Users this user asked to be friends who have not answered.</summary>
    [Id(1)]
    public HashSet<ulong> PendingOut { get; set; } = [];

    [Id(2)]
    public HashSet<ulong> Blacklist { get; set; } = [];

    [Id(3)]
    public HashSet<ulong> Gagged { get; set; } = [];

    /// <summary>Private remarks for other users, seen only by this user.</summary>
    [Id(4)]
    public Dictionary<ulong, string> Marks { get; set; } = [];

    /// <summary>The last serial handed out by ALLOC-SEQ.</summary>
    [Id(5)]
    public ulong SerialHighWater { get; set; }

    /// <summary>The delivery cursor: the highest inbox seq a client acknowledged.</summary>
    [Id(6)]
    public ulong DeliveryCursor { get; set; }

    /// <summary>The groups this user belongs to, each with the last group seq a SYNC delivered.</summary>
    [Id(7)]
    public Dictionary<ulong, ulong> Groups { get; set; } = [];

    /// <summary>Groups this user created that still exist (the quota counts them).</summary>
    [Id(8)]
    public HashSet<ulong> CreatedGroups { get; set; } = [];

    /// <summary>Users who asked this user to be friends, not answered yet.</summary>
    [Id(9)]
    public HashSet<ulong> PendingIn { get; set; } = [];

    /// <summary>Grows with every change of the contacts (friends, requests, blacklist, gag list, marks).</summary>
    [Id(10)]
    public ulong ContactsVersion { get; set; }

    /// <summary>When the last session ended (ms since the epoch; 0 = never seen).</summary>
    [Id(11)]
    public ulong LastSeen { get; set; }

    /// <summary>Whether this user keeps read and delivered receipts to themself (PREFS receipts false).</summary>
    [Id(12)]
    public bool ReceiptsOff { get; set; }

    /// <summary>Read positions of private conversations: peer → the inbox seq read up to.</summary>
    [Id(13)]
    public Dictionary<ulong, ulong> ReadPeers { get; set; } = [];

    /// <summary>Read positions of groups: gid → the group seq read up to.</summary>
    [Id(14)]
    public Dictionary<ulong, ulong> ReadGroups { get; set; } = [];

    /// <summary>How far each peer has read this user's messages: peer → the seq in this user's inbox (read receipts).</summary>
    [Id(15)]
    public Dictionary<ulong, ulong> PeerReads { get; set; } = [];

    public UserState Clone() => new()
    {
        Groups = new Dictionary<ulong, ulong>(Groups),
        CreatedGroups = [.. CreatedGroups],
        Friends = [.. Friends],
        PendingOut = [.. PendingOut],
        Blacklist = [.. Blacklist],
        Gagged = [.. Gagged],
        Marks = new Dictionary<ulong, string>(Marks),
        SerialHighWater = SerialHighWater,
        DeliveryCursor = DeliveryCursor,
        PendingIn = [.. PendingIn],
        ContactsVersion = ContactsVersion,
        LastSeen = LastSeen,
        ReceiptsOff = ReceiptsOff,
        ReadPeers = new Dictionary<ulong, ulong>(ReadPeers),
        ReadGroups = new Dictionary<ulong, ulong>(ReadGroups),
        PeerReads = new Dictionary<ulong, ulong>(PeerReads),
    };
}
