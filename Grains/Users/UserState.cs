namespace OrleansIm.Grains.Users;

/// <summary>A user's persisted state: contacts and the counters that must survive a restart.</summary>
[GenerateSerializer, Alias("im.UserState")]
public sealed class UserState : ICopyableState<UserState>
{
    // The collections are made on first use: most users' are empty, and a user online but idle never touches them.
    [NonSerialized]
    private HashSet<ulong>? _friends;
    [NonSerialized]
    private HashSet<ulong>? _pendingOut;
    [NonSerialized]
    private HashSet<ulong>? _blacklist;
    [NonSerialized]
    private HashSet<ulong>? _gagged;
    [NonSerialized]
    private Dictionary<ulong, string>? _marks;
    [NonSerialized]
    private Dictionary<ulong, ulong>? _groups;
    [NonSerialized]
    private HashSet<ulong>? _createdGroups;
    [NonSerialized]
    private HashSet<ulong>? _pendingIn;
    [NonSerialized]
    private Dictionary<ulong, ulong>? _readPeers;
    [NonSerialized]
    private Dictionary<ulong, ulong>? _readGroups;
    [NonSerialized]
    private Dictionary<ulong, ulong>? _peerReads;

    [Id(0)]
    public HashSet<ulong> Friends { get => _friends ??= []; set => _friends = value; }

    /// <summary>Users this user asked to be friends who have not answered.</summary>
    [Id(1)]
    public HashSet<ulong> PendingOut { get => _pendingOut ??= []; set => _pendingOut = value; }

    [Id(2)]
    public HashSet<ulong> Blacklist { get => _blacklist ??= []; set => _blacklist = value; }

    [Id(3)]
    public HashSet<ulong> Gagged { get => _gagged ??= []; set => _gagged = value; }

    /// <summary>Private remarks for other users, seen only by this user.</summary>
    [Id(4)]
    public Dictionary<ulong, string> Marks { get => _marks ??= []; set => _marks = value; }

    /// <summary>The last serial handed out by ALLOC-SEQ.</summary>
    [Id(5)]
    public ulong SerialHighWater { get; set; }

    /// <summary>The delivery cursor: the highest inbox seq a client acknowledged.</summary>
    [Id(6)]
    public ulong DeliveryCursor { get; set; }

    /// <summary>The groups this user belongs to, each with the last group seq a SYNC delivered.</summary>
    [Id(7)]
    public Dictionary<ulong, ulong> Groups { get => _groups ??= []; set => _groups = value; }

    /// <summary>Groups this user created that still exist (the quota counts them).</summary>
    [Id(8)]
    public HashSet<ulong> CreatedGroups { get => _createdGroups ??= []; set => _createdGroups = value; }

    /// <summary>Users who asked this user to be friends, not answered yet.</summary>
    [Id(9)]
    public HashSet<ulong> PendingIn { get => _pendingIn ??= []; set => _pendingIn = value; }

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
    public Dictionary<ulong, ulong> ReadPeers { get => _readPeers ??= []; set => _readPeers = value; }

    /// <summary>Read positions of groups: gid → the group seq read up to.</summary>
    [Id(14)]
    public Dictionary<ulong, ulong> ReadGroups { get => _readGroups ??= []; set => _readGroups = value; }

    /// <summary>How far each peer has read this user's messages: peer → the seq in this user's inbox (read receipts).</summary>
    [Id(15)]
    public Dictionary<ulong, ulong> PeerReads { get => _peerReads ??= []; set => _peerReads = value; }

    public UserState Clone() => new()
    {
        _friends = _friends is null ? null : new(_friends),
        _pendingOut = _pendingOut is null ? null : new(_pendingOut),
        _blacklist = _blacklist is null ? null : new(_blacklist),
        _gagged = _gagged is null ? null : new(_gagged),
        _marks = _marks is null ? null : new(_marks),
        _groups = _groups is null ? null : new(_groups),
        _createdGroups = _createdGroups is null ? null : new(_createdGroups),
        _pendingIn = _pendingIn is null ? null : new(_pendingIn),
        _readPeers = _readPeers is null ? null : new(_readPeers),
        _readGroups = _readGroups is null ? null : new(_readGroups),
        _peerReads = _peerReads is null ? null : new(_peerReads),
        SerialHighWater = SerialHighWater,
        DeliveryCursor = DeliveryCursor,
        ContactsVersion = ContactsVersion,
        LastSeen = LastSeen,
        ReceiptsOff = ReceiptsOff,
    };
}
