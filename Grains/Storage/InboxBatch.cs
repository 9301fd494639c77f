using Npgsql;
using NpgsqlTypes;

namespace OrleansIm.Grains.Storage;

/// <summary>
/// The inbox appends of one batch as the arrays of <see cref="InboxSql.Append"/>, and their results mapped back.
/// The same (orig, serial) to the same inboxes twice in one batch (a client retrying before the first committed)
/// is written once; the repeat gets the first one's seqs as a duplicate.
/// </summary>
internal sealed class InboxBatch
{
    private readonly List<InboxWrite> _writes = [];
    private readonly List<(int Write, bool Sender)> _rows = [];
    private List<(InboxWrite Repeat, int First)>? _repeats;
    private Dictionary<(ulong Orig, ulong Serial, ulong Receiver, ulong Sender), int>? _bySerial;
    private ulong[] _receiverSeqs = [];
    private ulong[] _senderSeqs = [];
    private bool[] _inserted = [];
    private bool _events;

    public int RowCount => _rows.Count;

    public void Add(InboxWrite write)
    {
        var e = write.Entry;
        if (e.Serial != 0)
        {
            _bySerial ??= [];
            var key = (e.Orig, e.Serial, e.Receiver, e.Sender);
            if (_bySerial.TryGetValue(key, out var first))
            {
                (_repeats ??= []).Add((write, first));
                return;
            }

            _bySerial[key] = _writes.Count;
        }

        int index = _writes.Count;
        _writes.Add(write);
        _events |= e.Events is not null;
        if (e.Receiver != 0)
        {
            _rows.Add((index, false));
        }

        if (e.Sender != 0)
        {
            _rows.Add((index, true));
        }
    }

    /// <summary>
    /// The batch as one statement; its messages are stored at <paramref name="created"/>. Unless
    /// <paramref name="findRepeats"/>, rows are taken as new (<see cref="InboxSql.AppendTrusting"/>): a repeat fails
    /// the statement, and the batch must be written again with <paramref name="findRepeats"/> set.
    /// </summary>
    public NpgsqlBatchCommand ToCommand(DateTimeOffset created, bool findRepeats)
    {
        var uids = new long[_rows.Count];
        var rowOrigs = new long[_rows.Count];
        var serials = new long[_rows.Count];
        var bodyIndexes = new int[_rows.Count];
        var peers = new long[_rows.Count];
        var eventFlags = _events ? new int[_rows.Count] : null;
        var eventPayloads = _events ? new string?[_rows.Count] : null;
        for (int i = 0; i < _rows.Count; i++)
        {
            var (write, sender) = _rows[i];
            var e = _writes[write].Entry;
            uids[i] = (long)(sender ? e.Sender : e.Receiver);
            rowOrigs[i] = (long)e.Orig;
            serials[i] = (long)e.Serial;
            bodyIndexes[i] = write + 1;
            peers[i] = e.Dest == 0 ? 0 : (long)(sender ? e.Dest : e.Orig);

            // A message's events ride on its receiver's row, or on the sender's when the receiver keeps nothing.
            if (e.Events is { } events && sender == (e.Receiver == 0))
            {
                eventFlags![i] = events.Flags;
                eventPayloads![i] = events.Payload;
            }
        }

        var cmds = new int[_writes.Count];
        var origs = new long[_writes.Count];
        var bodies = new byte[_writes.Count][];
        for (int i = 0; i < _writes.Count; i++)
        {
            var e = _writes[i].Entry;
            cmds[i] = (int)e.Cmd;
            origs[i] = (long)e.Orig;
            bodies[i] = e.Body;
        }

        _receiverSeqs = new ulong[_writes.Count];
        _senderSeqs = new ulong[_writes.Count];
        _inserted = new bool[_writes.Count];

        var command = new NpgsqlBatchCommand((findRepeats, _events) switch
        {
            (true, true) => InboxSql.AppendWithEvents,
            (true, false) => InboxSql.Append,
            (false, true) => InboxSql.AppendTrustingWithEvents,
            (false, false) => InboxSql.AppendTrusting,
        });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = uids });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rowOrigs });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = serials });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = bodyIndexes });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = peers });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = cmds });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = origs });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = bodies, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = created, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        if (_events)
        {
            command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = eventFlags! });
            command.Parameters.Add(new NpgsqlParameter { Value = eventPayloads!, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        }

        return command;
    }

    /// <summary>One result row: <paramref name="ordinal"/> is the 1-based row of the input arrays.</summary>
    public void SetRow(int ordinal, bool inserted, ulong seq)
    {
        var (write, sender) = _rows[ordinal - 1];
        (sender ? _senderSeqs : _receiverSeqs)[write] = seq;
        _inserted[write] |= inserted;
    }

    /// <summary>After the commit: every caller gets its seqs.</summary>
    public void Complete(System.Diagnostics.Metrics.Histogram<double>? latency, long now)
    {
        for (int i = 0; i < _writes.Count; i++)
        {
            latency?.Record(System.Diagnostics.Stopwatch.GetElapsedTime(_writes[i].Queued, now).TotalMilliseconds);
            _writes[i].Result.TrySetResult(new InboxAppendResult(_inserted[i], _receiverSeqs[i], _senderSeqs[i]));
        }

        foreach (var (repeat, first) in _repeats ?? [])
        {
            repeat.Result.TrySetResult(new InboxAppendResult(false, _receiverSeqs[first], _senderSeqs[first]));
        }
    }
}
