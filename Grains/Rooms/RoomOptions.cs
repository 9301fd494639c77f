using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Grains.Rooms;

/// <summary>Room settings, bound from the <c>Rooms</c> configuration section.</summary>
public sealed class RoomOptions
{
    public const string Section = "Rooms";

    /// <summary>Sessions per bucket; ROOM-CHAT reaches the sender's bucket.</summary>
    [Range(1, 1_000_000)]
    public int BucketSize { get; set; } = 1000;

    /// <summary>How often the head count is pushed to subscribed sessions (only when it changed).</summary>
    public TimeSpan UserCountInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most ROOM-BC messages kept for replay at once; the oldest go first.</summary>
    [Range(0, 10_000)]
    public int MaxKeptBroadcasts { get; set; } = 100;

    /// <summary>Longest expiry a ROOM-BC may ask for.</summary>
    public TimeSpan MaxBroadcastExpiry { get; set; } = TimeSpan.FromDays(1);
}
