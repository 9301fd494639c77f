namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// A user's contacts as stored: friends, requests sent and received, blacklist, gagged users, private marks, and
/// the version, which grows with every change.
/// </summary>
[GenerateSerializer, Immutable, Alias("im.ContactList")]
public sealed record ContactList(
    [property: Id(0)] ulong[] Friends,
    [property: Id(1)] ulong[] PendingOut,
    [property: Id(2)] ulong[] Blacklist,
    [property: Id(3)] ulong[] Gagged,
    [property: Id(4)] IReadOnlyDictionary<ulong, string> Marks,
    [property: Id(5)] ulong[] PendingIn,
    [property: Id(6)] ulong Version);
