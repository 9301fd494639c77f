namespace OrleansIm.Gateway.Pipeline;

/// <summary>
/// The requests of one lane: one runs at a time, except a run of the same streamable command, which is issued
/// back to back. Not thread-safe: <see cref="RequestPipeline"/> holds its lock around every call.
/// </summary>
internal sealed class LaneQueue
{
    private Queue<PendingRequest>? _waiting;
    private int _running;
    private uint _runningStreamCmd;

    public bool IsIdle => _running == 0 && (_waiting is null || _waiting.Count == 0);

    /// <summary>Ordered requests of this lane running now (all of one command: a run of them is issued together).</summary>
    public int OrderedRunning { get; set; }

    /// <summary>The index of the last ordered request issued in this lane: the predecessor of the next one while it runs.</summary>
    public ulong LastOrderedIndex { get; set; }

    /// <summary>True if <paramref name="request"/> may start now (and counts it as running); else it waits.</summary>
    public bool TryStart(PendingRequest request)
    {
        if (_waiting is null || _waiting.Count == 0)
        {
            if (_running == 0)
            {
                _running = 1;
                _runningStreamCmd = request.StreamCmd;
                return true;
            }

            if (request.StreamCmd != 0 && request.StreamCmd == _runningStreamCmd)
            {
                _running++;
                return true;
            }
        }

        (_waiting ??= new Queue<PendingRequest>()).Enqueue(request);
        return false;
    }

    /// <summary>One request finished: returns, in send order, those that may start now (counted as running).</summary>
    public List<PendingRequest>? Finish()
    {
        _running--;
        List<PendingRequest>? startable = null;
        while (_waiting is { Count: > 0 })
        {
            var head = _waiting.Peek();
            if (_running == 0)
            {
                _runningStreamCmd = head.StreamCmd;
            }
            else if (head.StreamCmd == 0 || head.StreamCmd != _runningStreamCmd)
            {
                break;
            }

            _waiting.Dequeue();
            _running++;
            (startable ??= []).Add(head);
        }

        return startable;
    }
}
