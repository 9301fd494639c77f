namespace OrleansIm.Gateway.Sessions;

/// <summary>What a successful ONLINE bound to a connection. Immutable: every later request is checked against it.</summary>
public sealed record ConnectionSession(ulong Uid, ulong Sid, string Role, uint Terminal);
