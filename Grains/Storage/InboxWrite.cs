namespace OrleansIm.Grains.Storage;

/// <summary>An inbox append (one or two rows, one body) waiting for its batch.</summary>
internal sealed class InboxWrite(InboxAppend entry) : PendingWrite
{
    public InboxAppend Entry { get; } = entry;

    public TaskCompletionSource<InboxAppendResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Fail(Exception ex) => Result.TrySetException(ex);
}
