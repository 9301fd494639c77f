namespace OrleansIm.Grains.Storage;

/// <summary>A group-log append waiting for its batch.</summary>
internal sealed class GroupWrite(LogAppend entry) : PendingWrite
{
    public LogAppend Entry { get; } = entry;

    public TaskCompletionSource<AppendResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Fail(Exception ex) => Result.TrySetException(ex);
}
