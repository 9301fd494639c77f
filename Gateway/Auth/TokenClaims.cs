namespace OrleansIm.Gateway.Auth;

/// <summary>What a valid token says: the user, optionally the device it is bound to, and the role.</summary>
public sealed record TokenClaims(ulong Uid, ulong? Sid, string Role);
