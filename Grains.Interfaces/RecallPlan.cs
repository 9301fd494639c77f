namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// The sender's side of RECALL: the reply code, and on success the message's seq in the sender's inbox and in the
/// receiver's (0 when it was not stored there), and the RECALL-NTC body for both inboxes.
/// </summary>
[GenerateSerializer, Immutable, Alias("im.RecallPlan")]
public sealed record RecallPlan(
    [property: Id(0)] uint Code,
    [property: Id(1)] ulong OrigSeq,
    [property: Id(2)] ulong DestSeq,
    [property: Id(3)] byte[] Notice);
