using System.Collections.Concurrent;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// What a successful ONLINE bound to a connection: the identity every later request is checked against (fixed),
/// and the session's own state: the optional push classes it subscribed to and the rooms it is in.
/// </summary>
public sealed class ConnectionSession(ulong uid, ulong sid, string role, uint terminal)
{
    // Targets (a peer's uid, or a gid with the top bit set) and when this session last said it was typing to them.
    private const int TypingTargetsKept = 64;

    private ConcurrentDictionary<ulong, uint>? _rooms;
    private int _subscriptions;
    private Dictionary<ulong, long>? _typing;

    public ulong Uid { get; } = uid;

    /// <summary>This session's CHATs on their way to receivers' grains; made on its first CHAT (run under the pipeline's lock).</summary>
    internal Commands.ChatSends? ChatSends { get; set; }

    public ulong Sid { get; } = sid;

    public string Role { get; } = role;

    public uint Terminal { get; } = terminal;

    /// <summary>The rooms this session is in, with its bucket in each; made on the first join (most sessions never join one).</summary>
    public ConcurrentDictionary<ulong, uint> Rooms =>
        Volatile.Read(ref _rooms) ?? Interlocked.CompareExchange(ref _rooms, new(), null) ?? _rooms;

    /// <summary>Whether this session is in any room (without making the table).</summary>
    public bool HasRooms => Volatile.Read(ref _rooms) is { IsEmpty: false };

    public bool IsSubscribed(uint pushClass) => (Volatile.Read(ref _subscriptions) & PushClasses.BitOf(pushClass)) != 0;

    public void Subscribe(uint pushClass) => Interlocked.Or(ref _subscriptions, PushClasses.BitOf(pushClass));

    public void Unsubscribe(uint pushClass) => Interlocked.And(ref _subscriptions, ~PushClasses.BitOf(pushClass));

    /// <summary>
    /// Whether this session may say it is typing to <paramref name="target"/> now: at most once per
    /// <paramref name="interval"/> per target (requests of one connection run one at a time in its own lane per target).
    /// </summary>
    public bool TryType(ulong target, TimeProvider time, TimeSpan interval)
    {
        var now = time.GetTimestamp();
        lock (this)
        {
            var typing = _typing ??= [];
            if (typing.TryGetValue(target, out var last) && time.GetElapsedTime(last, now) < interval)
            {
                return false;
            }

            if (typing.Count >= TypingTargetsKept)
            {
                typing.Clear();
            }

            typing[target] = now;
            return true;
        }
    }
}
