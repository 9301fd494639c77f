namespace OrleansIm.Grains.Groups;

/// <summary>A group's persisted state. The owner is also in <see cref="Members"/>; managers are members too.</summary>
[GenerateSerializer, Alias("im.GroupState")]
public sealed class GroupState : ICopyableState<GroupState>
{
    [Id(0)]
    public bool Exists { get; set; }

    [Id(1)]
    public ulong Owner { get; set; }

    [Id(2)]
    public string Name { get; set; } = "";

    [Id(3)]
    public string Desc { get; set; } = "";

    [Id(4)]
    public HashSet<ulong> Members { get; set; } = [];

    [Id(5)]
    public HashSet<ulong> Managers { get; set; } = [];

    [Id(6)]
    public HashSet<ulong> Gagged { get; set; } = [];

    [Id(7)]
    public HashSet<ulong> Banned { get; set; } = [];

    /// <summary>When the group was created, ms since the epoch.</summary>
    [Id(8)]
    public ulong Created { get; set; }

    public GroupState Clone() => new()
    {
        Exists = Exists,
        Owner = Owner,
        Name = Name,
        Desc = Desc,
        Members = [.. Members],
        Managers = [.. Managers],
        Gagged = [.. Gagged],
        Banned = [.. Banned],
        Created = Created,
    };
}
