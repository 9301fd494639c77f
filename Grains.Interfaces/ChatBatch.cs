namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// CHATs of one sender's connection to one receiver, in the order the connection sent them: the gateway sends those
/// that arrived while the previous batch to the same receiver was in flight in one call.
/// </summary>
/// <param name="Orig">The sender.</param>
/// <param name="Serials">Each message's header serial (its id for deduplication); 0 for none.</param>
/// <param name="Bodies">Each message's CHAT body as sent.</param>
/// <param name="Order">
/// The batch's place among the connection's ordered requests: it follows the predecessor of its first message and
/// ends at the index of its last.
/// </param>
[GenerateSerializer, Immutable, Alias("im.ChatBatch")]
public sealed record ChatBatch(
    [property: Id(0)] ulong Orig,
    [property: Id(1)] ulong[] Serials,
    [property: Id(2)] byte[][] Bodies,
    [property: Id(3)] CallOrder Order);

/// <summary>
/// Messages this user sent that the receiver's grain stored: each at <see cref="Seqs"/>[i] of this user's inbox, to
/// be pushed to this user's sessions but <see cref="SourceSid"/> (the one that sent them).
/// </summary>
[GenerateSerializer, Immutable, Alias("im.SentChats")]
public sealed record SentChats(
    [property: Id(0)] ulong SourceSid,
    [property: Id(1)] ulong[] Seqs,
    [property: Id(2)] byte[][] Bodies);
