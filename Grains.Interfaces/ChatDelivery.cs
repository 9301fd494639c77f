namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// The receiver's answer to a private message. <see cref="Code"/> 0 or 20014 (blacklisted). <see cref="MessageId"/>
/// is the stored message (0 when nothing was stored: the receiver gagged the sender).
/// </summary>
[GenerateSerializer, Immutable, Alias("im.ChatDelivery")]
public sealed record ChatDelivery(
    [property: Id(0)] uint Code,
    [property: Id(1)] long MessageId);
