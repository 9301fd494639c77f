namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// The directory entry of one device id (key: sid). A sid belongs to the first user that logs in with it, so no
/// user can take over or kick another user's device by naming its sid. Persisted.
/// </summary>
[Alias("im.ISidGrain")]
public interface ISidGrain : IGrainWithIntegerKey
{
    /// <summary>Binds the sid to <paramref name="uid"/> if it is free; true if it is (now) that user's.</summary>
    [Alias("TryBind")]
    Task<bool> TryBind(ulong uid);
}
