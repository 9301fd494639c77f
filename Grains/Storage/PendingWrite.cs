namespace OrleansIm.Grains.Storage;

/// <summary>An append waiting in a <see cref="PostgresMessageStore"/> queue for its batch to commit.</summary>
internal abstract class PendingWrite
{
    /// <summary>When it was queued (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long Queued { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>How many appends it holds (a batch takes up to <see cref="MessageStoreOptions.MaxBatch"/>).</summary>
    public virtual int Size => 1;

    public abstract void Fail(Exception ex);
}
