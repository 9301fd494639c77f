using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Users;

/// <summary>
/// A user's live sessions, ordered by sid. A user has a few at most, so they sit in one small sorted list: looking
/// one up is a short scan, and walking them (every push does) allocates nothing.
/// </summary>
internal sealed class SessionTable
{
    private readonly List<SessionInfo> _sessions = new(1);

    public int Count => _sessions.Count;

    /// <summary>The sessions in sid order, for queries; pushes walk the table itself.</summary>
    public IReadOnlyList<SessionInfo> Values => _sessions;

    public SessionInfo this[ulong sid] => TryGetValue(sid, out var session) ? session : throw new KeyNotFoundException($"no session {sid}");

    public List<SessionInfo>.Enumerator GetEnumerator() => _sessions.GetEnumerator();

    public bool TryGetValue(ulong sid, out SessionInfo session)
    {
        int i = IndexOf(sid);
        session = i >= 0 ? _sessions[i] : null!;
        return i >= 0;
    }

    /// <summary>Adds the session, or replaces the one with its sid.</summary>
    public void Set(SessionInfo session)
    {
        int i = IndexOf(session.Sid);
        if (i >= 0)
        {
            _sessions[i] = session;
            return;
        }

        i = ~i;
        _sessions.Insert(i, session);
    }

    public bool Remove(ulong sid)
    {
        int i = IndexOf(sid);
        if (i < 0)
        {
            return false;
        }

        _sessions.RemoveAt(i);
        return true;
    }

    /// <summary>The index of <paramref name="sid"/>, or the complement of where it would go.</summary>
    private int IndexOf(ulong sid)
    {
        for (int i = 0; i < _sessions.Count; i++)
        {
            var here = _sessions[i].Sid;
            if (here == sid)
            {
                return i;
            }

            if (here > sid)
            {
                return ~i;
            }
        }

        return ~_sessions.Count;
    }
}
