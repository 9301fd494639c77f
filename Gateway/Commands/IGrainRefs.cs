using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Commands;

/// <summary>The user, group and room grains the request handlers call (a test puts a recorder in their place).</summary>
public interface IGrainRefs
{
    IUserGrain User(ulong uid);

    IGroupGrain Group(ulong gid);

    IRoomGrain Room(ulong rid);
}
