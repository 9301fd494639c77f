using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Diagnostics;

/// <summary>The gateway's metrics (meter <c>OrleansIm</c>), exported in Prometheus text at <c>/metrics</c>.</summary>
public sealed class ImMetrics : IDisposable
{
    public const string MeterName = "OrleansIm";

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _connections;
    private readonly CommandCounts _framesIn = new();
    private readonly CommandCounts _framesOut = new();
    private long _handled;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _deliveryDuration;
    private readonly Histogram<double> _moderationDuration;

    public ImMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _connections = _meter.CreateUpDownCounter<long>("im.connections", description: "Open client connections, by transport");
        _meter.CreateObservableCounter("im.frames.in", _framesIn.Observe, description: "Frames received, by command");
        _meter.CreateObservableCounter("im.frames.out", _framesOut.Observe, description: "Frames written to clients, by command");
        _errors = _meter.CreateCounter<long>("im.errors", description: "Refusals and errors sent to clients, by code");
        _requestDuration = _meter.CreateHistogram<double>("im.request.duration", unit: "ms", description: "Time to handle a request, by command (one request in 16 sampled)");
        _moderationDuration = _meter.CreateHistogram<double>("im.moderation.duration", unit: "ms", description: "Time a moderation call took, by command and outcome (allow, reject, replace, timeout, error)");
        _deliveryDuration = _meter.CreateHistogram<double>("im.delivery.duration", unit: "ms", description: "Time the oldest frame of a write waited in a connection's outbound queue (one write in 16 sampled)");
    }

    public void ConnectionOpened(string transport) => _connections.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public void ConnectionClosed(string transport) => _connections.Add(-1, new KeyValuePair<string, object?>("transport", transport));

    public void FrameIn(uint cmd) => _framesIn.Add(cmd);

    public void FrameOut(uint cmd) => _framesOut.Add(cmd);

    /// <summary>One request in this many is sampled for <c>im.request.duration</c>: a tagged histogram sample per request costs more than the rest of a CHAT's bookkeeping.</summary>
    public const int RequestSampleEvery = 16;

    /// <summary>Whether this request's duration is sampled; when true, pass its start to <see cref="Handled"/>.</summary>
    public bool SampleRequest() => Interlocked.Increment(ref _handled) % RequestSampleEvery == 0;

    /// <summary>One write in this many is sampled for <c>im.delivery.duration</c>.</summary>
    public const int DeliverySampleEvery = 16;

    /// <summary>
    /// Records how long the oldest frame of a write waited in its queue. Callers sample one write in
    /// <see cref="DeliverySampleEvery"/>: a histogram sample for every frame of a room fan-out cost about a quarter of
    /// its throughput here.
    /// </summary>
    public void Delivered(long oldestQueuedAt) => _deliveryDuration.Record(Stopwatch.GetElapsedTime(oldestQueuedAt).TotalMilliseconds);

    /// <summary>One moderation call: every call is recorded (each is an HTTP round trip, far dearer than the sample).</summary>
    public void Moderated(Moderation.ModeratedCommand command, string outcome, double milliseconds) =>
        _moderationDuration.Record(milliseconds, new KeyValuePair<string, object?>("command", Moderation.Moderator.NameOf(command)), new KeyValuePair<string, object?>("outcome", outcome));

    public void Error(uint code) => _errors.Add(1, new KeyValuePair<string, object?>("code", code));

    public void Handled(uint cmd, long startTimestamp) =>
        _requestDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds, new KeyValuePair<string, object?>("command", CommandTable.NameOf(cmd)));

    public void Dispose() => _meter.Dispose();
}
