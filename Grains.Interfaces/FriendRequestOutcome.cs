namespace OrleansIm.Grains.Interfaces;

/// <summary>What a FRIEND-ADD did on the receiving side.</summary>
[GenerateSerializer, Alias("im.FriendRequestOutcome")]
public enum FriendRequestOutcome
{
    /// <summary>Recorded as a pending request.</summary>
    Requested = 0,

    /// <summary>The receiver had asked first: the two are now friends.</summary>
    Accepted = 1,

    /// <summary>They were friends already; nothing changed.</summary>
    AlreadyFriends = 2,

    /// <summary>The receiver blacklisted the sender (20014); nothing changed.</summary>
    Refused = 3,
}
