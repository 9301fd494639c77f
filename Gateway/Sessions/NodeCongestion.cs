namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// How many of this node's connections have an outbound queue past its high-water mark. While any has, every read
/// loop waits before taking the next request: the senders slow down (TCP back-pressure) so that a reader that is
/// reading catches up instead of being disconnected. A reader that stops reading is dropped by the sweep.
/// </summary>
public sealed class NodeCongestion
{
    private readonly Lock _lock = new();
    private int _count;
    private TaskCompletionSource? _cleared;

    public bool IsCongested => Volatile.Read(ref _count) > 0;

    /// <summary>A connection's queue crossed its high-water mark.</summary>
    public void Enter()
    {
        lock (_lock)
        {
            _count++;
        }
    }

    /// <summary>That connection drained to its low-water mark, or closed.</summary>
    public void Leave()
    {
        TaskCompletionSource? cleared = null;
        lock (_lock)
        {
            if (--_count == 0)
            {
                cleared = _cleared;
                _cleared = null;
            }
        }

        cleared?.TrySetResult();
    }

    /// <summary>Completes when no connection is congested.</summary>
    public Task WaitClearedAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                return Task.CompletedTask;
            }

            _cleared ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _cleared.Task.WaitAsync(cancellationToken);
        }
    }
}
