namespace OrleansIm.Grains.Interfaces;

/// <summary>A user's contacts as stored: friends, requests sent, blacklist, gagged users, and private marks.</summary>
[GenerateSerializer, Immutable, Alias("im.ContactList")]
public sealed record ContactList(
    [property: Id(0)] ulong[] Friends,
    [property: Id(1)] ulong[] PendingOut,
    [property: Id(2)] ulong[] Blacklist,
    [property: Id(3)] ulong[] Gagged,
    [property: Id(4)] IReadOnlyDictionary<ulong, string> Marks);
