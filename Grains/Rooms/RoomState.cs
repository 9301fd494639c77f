namespace OrleansIm.Grains.Rooms;

/// <summary>What a room keeps across restarts. Who is in the room is not kept: membership is per session.</summary>
[GenerateSerializer, Alias("im.RoomState")]
public sealed class RoomState : ICopyableState<RoomState>
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
    public HashSet<ulong> Managers { get; set; } = [];

    [Id(5)]
    public HashSet<ulong> Banned { get; set; } = [];

    public RoomState Clone() => new()
    {
        Exists = Exists,
        Owner = Owner,
        Name = Name,
        Desc = Desc,
        Managers = [.. Managers],
        Banned = [.. Banned],
    };
}
