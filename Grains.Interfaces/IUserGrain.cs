namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// One user (key: uid). Holds the user's live sessions in memory; a session whose sid is already live elsewhere
/// replaces the older one, which is kicked with 20009.
/// </summary>
[Alias("im.IUserGrain")]
public interface IUserGrain : IGrainWithIntegerKey
{
    /// <summary>Registers a live session; an older session with the same sid is kicked.</summary>
    [Alias("Online")]
    Task<OnlineResult> Online(SessionInfo session);

    /// <summary>Ends a session, only if <paramref name="connectionId"/> on node <paramref name="nid"/> still holds the sid.</summary>
    [Alias("Offline")]
    Task Offline(ulong sid, uint nid, long connectionId);

    /// <summary>The live sessions, ordered by sid.</summary>
    [Alias("GetSessions")]
    Task<IReadOnlyList<SessionInfo>> GetSessions();
}
