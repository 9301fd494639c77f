using Microsoft.Extensions.Logging;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;

namespace OrleansIm.Grains.Users;

/// <summary>A user's live sessions (memory only): the table that pushes go through and that kicks a duplicate sid.</summary>
[GrainType("user")]
public sealed partial class UserGrain(ILogger<UserGrain> logger) : Grain, IUserGrain
{
    // Sessions live only in memory, so the activation must outlive idle periods while anyone is connected.
    private static readonly TimeSpan KeepAliveWhileOnline = TimeSpan.FromDays(365);

    private readonly SortedDictionary<ulong, SessionInfo> _sessions = [];

    private ulong Uid => (ulong)this.GetPrimaryKeyLong();

    public Task<OnlineResult> Online(SessionInfo session)
    {
        if (_sessions.TryGetValue(session.Sid, out var older) && !SameConnection(older.Address, session.Address))
        {
            LogDuplicateSid(Uid, session.Sid, older.Address.Nid, session.Address.Nid);
            older.Address.Node.Kick(older.Address.ConnectionId, ResultCode.SessionConflict).Ignore();
        }

        _sessions[session.Sid] = session;
        DelayDeactivation(KeepAliveWhileOnline);
        return Task.FromResult(new OnlineResult(0, _sessions.Count));
    }

    public Task Offline(ulong sid, uint nid, long connectionId)
    {
        if (_sessions.TryGetValue(sid, out var current) && current.Address.Nid == nid && current.Address.ConnectionId == connectionId)
        {
            _sessions.Remove(sid);
            if (_sessions.Count == 0)
            {
                // Back to the ordinary idle collection.
                DelayDeactivation(TimeSpan.Zero);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SessionInfo>> GetSessions() =>
        Task.FromResult<IReadOnlyList<SessionInfo>>([.. _sessions.Values]);

    private static bool SameConnection(SessionAddress a, SessionAddress b) =>
        a.Nid == b.Nid && a.ConnectionId == b.ConnectionId;

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "User {Uid}: sid {Sid} logged in again (node {NewNid}); kicking the session on node {OldNid}")]
    private partial void LogDuplicateSid(ulong uid, ulong sid, uint oldNid, uint newNid);
}
