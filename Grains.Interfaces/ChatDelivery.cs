namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// The receiver's answer to a private message. <see cref="Code"/> 0 or 20014 (blacklisted). On 0 the message is
/// committed: <see cref="SenderSeq"/> is its seq in the sender's inbox, and <see cref="Stored"/> is false when it was
/// a repeat of an (orig, serial) stored before (nothing new was stored or delivered).
/// </summary>
[GenerateSerializer, Immutable, Alias("im.ChatDelivery")]
public sealed record ChatDelivery(
    [property: Id(0)] uint Code,
    [property: Id(2)] ulong SenderSeq,
    [property: Id(3)] bool Stored);
