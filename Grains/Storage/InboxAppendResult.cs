namespace OrleansIm.Grains.Storage;

/// <summary>
/// The outcome of an <see cref="InboxAppend"/>: the seq in each inbox (0 where there was no row).
/// <see cref="Inserted"/> false means (orig, serial) was already stored, and the seqs are the earlier ones.
/// </summary>
public readonly record struct InboxAppendResult(bool Inserted, ulong ReceiverSeq, ulong SenderSeq);
