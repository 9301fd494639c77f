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

    /// <summary>The entries written, each as its write and its place in it; a row names its entry by index here.</summary>
    private readonly List<(InboxWrite Write, int Index)> _entries = [];
    private readonly List<(int Entry, bool Sender)> _rows = [];
    private List<(InboxWrite Write, int Index, int First)>? _repeats;
    private Dictionary<(ulong Orig, ulong Serial, ulong Receiver, ulong Sender), int>? _bySerial;
    private ulong[] _receiverSeqs = [];
    private ulong[] _senderSeqs = [];
    private bool[] _inserted = [];
    private bool _events;

    public int RowCount => _rows.Count;

    /// <summary>How many appends the batch answers (repeats within it included).</summary>
    public int EntryCount => _entries.Count + (_repeats?.Count ?? 0);

    public void Add(InboxWrite write)
    {
        _writes.Add(write);
        for (int i = 0; i < write.Entries.Length; i++)
        {
            Add(write, i);
        }
    }

    private void Add(InboxWrite write, int place)
    {
        var e = write.Entries[place];
        if (e.Serial != 0)
        {
            _bySerial ??= [];
            var key = (e.Orig, e.Serial, e.Receiver, e.Sender);
            if (_bySerial.TryGetValue(key, out var first))
            {
                (_repeats ??= []).Add((write, place, first));
                return;
            }

            _bySerial[key] = _entries.Count;
        }

        int index = _entries.Count;
        _entries.Add((write, place));
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
            var (entry, sender) = _rows[i];
            var e = EntryAt(entry);
            uids[i] = (long)(sender ? e.Sender : e.Receiver);
            rowOrigs[i] = (long)e.Orig;
            serials[i] = (long)e.Serial;
            bodyIndexes[i] = entry + 1;
            peers[i] = e.Dest == 0 ? 0 : (long)(sender ? e.Dest : e.Orig);

            // A message's events ride on its receiver's row, or on the sender's when the receiver keeps nothing.
            if (e.Events is { } events && sender == (e.Receiver == 0))
            {
                eventFlags![i] = events.Flags;
                eventPayloads![i] = events.Payload;
            }
        }

        var cmds = new int[_entries.Count];
        var origs = new long[_entries.Count];
        var bodies = new byte[_entries.Count][];
        for (int i = 0; i < _entries.Count; i++)
        {
            var e = EntryAt(i);
            cmds[i] = (int)e.Cmd;
            origs[i] = (long)e.Orig;
            bodies[i] = e.Body;
        }

        _receiverSeqs = new ulong[_entries.Count];
        _senderSeqs = new ulong[_entries.Count];
        _inserted = new bool[_entries.Count];

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
        var (entry, sender) = _rows[ordinal - 1];
        (sender ? _senderSeqs : _receiverSeqs)[entry] = seq;
        _inserted[entry] |= inserted;
    }

    /// <summary>After the commit: every caller gets its seqs.</summary>
    public void Complete(System.Diagnostics.Metrics.Histogram<double>? latency, long now)
    {
        for (int i = 0; i < _entries.Count; i++)
        {
            var (write, place) = _entries[i];
            write.Results[place] = new InboxAppendResult(_inserted[i], _receiverSeqs[i], _senderSeqs[i]);
        }

        foreach (var (write, place, first) in _repeats ?? [])
        {
            write.Results[place] = new InboxAppendResult(false, _receiverSeqs[first], _senderSeqs[first]);
        }

        foreach (var write in _writes)
        {
            latency?.Record(System.Diagnostics.Stopwatch.GetElapsedTime(write.Queued, now).TotalMilliseconds);
            write.Result.TrySetResult(write.Results);
        }
    }

    private InboxAppend EntryAt(int entry) => _entries[entry].Write.Entries[_entries[entry].Index];
}
