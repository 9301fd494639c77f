using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Grains.Groups;

/// <summary>Group limits, bound from the <c>Groups</c> configuration section.</summary>
public sealed class GroupOptions
{
    public const string Section = "Groups";

    /// <summary>Most members of one group; a full group answers JOIN and INVITE with 20019. Large audiences are rooms.</summary>
    [Range(1, 100_000)]
    public int MaxMembers { get; set; } = 2000;

    /// <summary>Whether GROUP-INFO answers users who are not members (name, description, owner, size); else 20017.</summary>
    public bool InfoForNonMembers { get; set; } = true;

    /// <summary>Most log entries one read returns.</summary>
    [Range(1, 10_000)]
    public int MaxLogPage { get; set; } = 500;
}
