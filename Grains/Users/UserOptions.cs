using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Grains.Users;

/// <summary>Per-user limits, bound from the <c>Users</c> configuration section.</summary>
public sealed class UserOptions
{
    public const string Section = "Users";

    /// <summary>Most entries in each of: friends and requests, blacklist, gag list, marks. Beyond: 20019.</summary>
    [Range(1, 1_000_000)]
    public int MaxContacts { get; set; } = 5000;

    /// <summary>Most groups one user may have created (and not dismissed). Beyond: 20019.</summary>
    [Range(0, 1_000_000)]
    public int MaxCreatedGroups { get; set; } = 100;

    /// <summary>How often a moved delivery cursor is written (it is also written on deactivation).</summary>
    public TimeSpan CursorFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often live sessions are checked against the cluster for silos declared dead.</summary>
    public TimeSpan DeadSiloCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most entries one inbox read returns.</summary>
    [Range(1, 10_000)]
    public int MaxInboxPage { get; set; } = 500;
}
