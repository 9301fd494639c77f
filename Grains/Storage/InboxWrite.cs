namespace OrleansIm.Grains.Storage;

/// <summary>
/// Inbox appends made together (one message, or a batch of CHATs to one receiver) waiting for their batch: committed
/// together, in order, and answered with one result each, in the same order.
/// </summary>
internal sealed class InboxWrite(InboxAppend[] entries) : PendingWrite
{
    public InboxAppend[] Entries { get; } = entries;

    /// <summary>Filled in as the batch's rows come back; handed to <see cref="Result"/> after the commit.</summary>
    public InboxAppendResult[] Results { get; } = new InboxAppendResult[entries.Length];

    public TaskCompletionSource<InboxAppendResult[]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override int Size => Entries.Length;

    public override void Fail(Exception ex) => Result.TrySetException(ex);
}
