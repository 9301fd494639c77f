using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Grains.Storage;

/// <summary>Batching of the PostgreSQL message store, bound from the <c>MessageStore</c> section.</summary>
public sealed class MessageStoreOptions
{
    public const string Section = "MessageStore";

    /// <summary>Most appends written in one transaction (one round trip).</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 256;

    /// <summary>Batches written concurrently, each on its own connection.</summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 2;
}
