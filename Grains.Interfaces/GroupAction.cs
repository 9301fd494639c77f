namespace OrleansIm.Grains.Interfaces;

/// <summary>What an owner or manager does to a member (GROUP-KICK, -GAG-*, -BL-*, -MGR-*).</summary>
[GenerateSerializer, Alias("im.GroupAction")]
public enum GroupAction
{
    Kick,
    GagAdd,
    GagDel,
    BlacklistAdd,
    BlacklistDel,
    ManagerAdd,
    ManagerDel,
}
