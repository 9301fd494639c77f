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
    };
}
