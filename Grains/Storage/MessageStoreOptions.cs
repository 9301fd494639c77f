using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Grains.Storage;

/// <summary>Batching of the PostgreSQL message store, bound from the <c>MessageStore</c> section.</summary>
public sealed class MessageStoreOptions
{
    public const string Section = "MessageStore";

    /// <summary>Most appends group-committed in one transaction (a CHAT is one: its body and both inbox rows).</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 256;

    /// <summary>
    /// Write queues, each committing its batches on its own connection. An append goes to the queue of its receiving
    /// inbox (a CHAT's copy for the sender rides with it) or of its group, so the appends to one receiving inbox or one
    /// group log commit, and are numbered, in the order they were made.
    /// </summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 2;
}
