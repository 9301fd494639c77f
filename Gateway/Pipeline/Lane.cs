namespace OrleansIm.Gateway.Pipeline;

/// <summary>
/// What a request acts on, for ordering: requests of one connection in the same lane take effect in the order
/// they were sent; requests in different lanes run concurrently. Every command declares its lane where its handler
/// is registered (<c>CommandRouter.On</c>); commands without a body act on the caller's own lane.
/// </summary>
public readonly record struct Lane(LaneKind Kind, ulong Id)
{
    /// <summary>The caller's own user: contacts, sync, serial blocks, subscriptions, node reports.</summary>
    public static readonly Lane Self = new(LaneKind.Self, 0);

    public static Lane User(ulong uid) => new(LaneKind.User, uid);

    public static Lane Group(ulong gid) => gid == 0 ? Self : new(LaneKind.Group, gid);

    public static Lane Room(ulong rid) => rid == 0 ? Self : new(LaneKind.Room, rid);
}
