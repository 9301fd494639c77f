using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Commands;

/// <summary>
/// References to user, group and room grains for the request path. <c>IGrainFactory.GetGrain&lt;T&gt;(long)</c>
/// resolves the interface type by reflection on every call (a few percent of a CHAT's CPU); here it is resolved
/// once per interface and each reference is made straight from its grain id.
/// </summary>
public sealed class GrainRefs(IGrainFactory grains) : IGrainRefs
{
    private Kind? _user;
    private Kind? _group;
    private Kind? _room;

    public IUserGrain User(ulong uid) => Get<IUserGrain>(ref _user, uid);

    public IGroupGrain Group(ulong gid) => Get<IGroupGrain>(ref _group, gid);

    public IRoomGrain Room(ulong rid) => Get<IRoomGrain>(ref _room, rid);

    private T Get<T>(ref Kind? kind, ulong key)
        where T : IGrainWithIntegerKey
    {
        // Two threads may both resolve it the first time; they get the same answer.
        var resolved = kind ??= Kind.Of(grains.GetGrain<T>(0));
        return (T)grains.GetGrain(GrainId.Create(resolved.GrainType, GrainIdKeyExtensions.CreateIntegerKey((long)key)), resolved.InterfaceType);
    }

    private sealed record Kind(GrainType GrainType, GrainInterfaceType InterfaceType)
    {
        public static Kind Of(IAddressable reference) =>
            new(reference.GetGrainId().Type, ((GrainReference)reference).InterfaceType);
    }
}
