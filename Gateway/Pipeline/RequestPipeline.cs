using Microsoft.Extensions.Logging;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Pipeline;

/// <summary>
/// One connection's requests in flight. The read loop submits requests in send order without waiting for their
/// replies; requests in the same lane take effect in that order, different lanes run concurrently. At most
/// <c>maxInFlight</c> are admitted: the read loop then waits for a slot, so the client meets TCP back-pressure.
/// </summary>
/// <remarks>
/// The lock is held while a request is issued (its handler runs up to its first await), so a request started by a
/// completion and one submitted by the read loop can never overtake each other in one lane. A run of ordered
/// requests (<c>CommandRouter.OnOrdered</c>) is issued without waiting for replies; each carries a
/// <see cref="CallOrder"/> (its index, its predecessor in the lane, the lowest index still running) with which the
/// target grain starts them in send order, however the runtime delivers them.
/// </remarks>
public sealed partial class RequestPipeline(int maxInFlight, uint nid, long connectionId, ILogger logger)
{
    private readonly Lock _lock = new();
    private Dictionary<Lane, LaneQueue>? _lanes;
    private LaneQueue? _spare;
    private int _inFlight;
    private TaskCompletionSource? _waiter;
    private int _waitingFor;
    private ulong _lastIndex;
    private Queue<PendingRequest>? _ordered;

    /// <summary>Requests admitted and not yet finished.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The lowest index of the ordered requests still running; every lower one finished.</summary>
    public ulong Floor
    {
        get
        {
            lock (_lock)
            {
                return FloorLocked();
            }
        }
    }

    /// <summary>Completes when a new request may be admitted.</summary>
    public ValueTask WaitForSlotAsync(CancellationToken cancellationToken) => WaitUntilAtMost(maxInFlight - 1, cancellationToken);

    /// <summary>Completes when every admitted request finished.</summary>
    public ValueTask DrainAsync(CancellationToken cancellationToken) => WaitUntilAtMost(0, cancellationToken);

    /// <summary>Admits a request; it starts now if its lane is free, else when the requests before it finished.</summary>
    public void Submit(PendingRequest request)
    {
        lock (_lock)
        {
            _inFlight++;
            _lanes ??= [];
            if (!_lanes.TryGetValue(request.Lane, out var lane))
            {
                // Most lanes hold one request at a time: the queue of the last one that went idle is reused.
                lane = _spare ?? new LaneQueue();
                _spare = null;
                _lanes.Add(request.Lane, lane);
            }

            if (lane.TryStart(request))
            {
                Run(lane, request);
            }
        }
    }

    private ValueTask WaitUntilAtMost(int count, CancellationToken cancellationToken)
    {
        Task waiting;
        lock (_lock)
        {
            if (_inFlight <= count)
            {
                return default;
            }

            _waitingFor = count;
            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting = _waiter.Task;
        }

        return new ValueTask(waiting.WaitAsync(cancellationToken));
    }

    // Called with the lock held.
    private void Run(LaneQueue lane, PendingRequest request)
    {
        if (request.StreamCmd != 0)
        {
            Number(lane, request);
        }

        var running = request.RunAsync(request.Order);
        if (running.IsCompleted)
        {
            Observe(running);
            Finish(request);
        }
        else
        {
            _ = FinishLaterAsync(request, running);
        }
    }

    private async Task FinishLaterAsync(PendingRequest request, ValueTask running)
    {
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
            // Cancellation is shutdown: the connection is closing and no reply is owed any more.
        }
        catch (Exception ex)
        {
            // Handlers answer their own failures; reaching here is a bug, and the slot must still be freed.
            LogUnexpected(logger, ex);
        }

        lock (_lock)
        {
            Finish(request);
        }
    }

    private void Observe(ValueTask completed)
    {
        try
        {
            completed.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Cancellation is shutdown: see FinishLaterAsync.
        }
        catch (Exception ex)
        {
            LogUnexpected(logger, ex);
        }
    }

    // Called with the lock held: the request's place among the ordered requests of the connection.
    private void Number(LaneQueue lane, PendingRequest request)
    {
        // Taken before this one is counted: the lowest still running, or this index if none is.
        var floor = FloorLocked();
        var index = ++_lastIndex;
        var after = lane.OrderedRunning > 0 ? lane.LastOrderedIndex : 0;
        request.Order = new CallOrder(nid, connectionId, index, after, floor);
        lane.OrderedRunning++;
        lane.LastOrderedIndex = index;
        (_ordered ??= new Queue<PendingRequest>()).Enqueue(request);
    }

    private ulong FloorLocked()
    {
        while (_ordered is not null && _ordered.TryPeek(out var oldest) && oldest.Finished)
        {
            _ordered.Dequeue();
        }

        return _ordered is not null && _ordered.TryPeek(out var running) ? running.Order.Index : _lastIndex + 1;
    }

    // Called with the lock held.
    private void Finish(PendingRequest request)
    {
        _inFlight--;
        var lane = _lanes![request.Lane];
        if (request.Order.Index != 0)
        {
            request.Finished = true;
            lane.OrderedRunning--;

            // Lets go of the finished ones at the head (a quiet connection keeps none of its burst).
            FloorLocked();
        }

        var startable = lane.Finish();
        if (lane.IsIdle)
        {
            _lanes.Remove(request.Lane);
            _spare = lane;
        }

        if (_waiter is not null && _inFlight <= _waitingFor)
        {
            _waiter.TrySetResult();
            _waiter = null;
        }

        if (startable is not null)
        {
            foreach (var next in startable)
            {
                Run(lane, next);
            }
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Error, Message = "A request handler failed outside its own error handling")]
    private static partial void LogUnexpected(ILogger logger, Exception ex);
}
