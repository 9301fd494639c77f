using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace OrleansIm.Grains.Events;

/// <summary>
/// What the grains ask before recording an event: whether its type is configured, and whether the backlog has room
/// (<see cref="WebhookOptions.MaxBacklog"/>; an event refused for lack of room is counted, never half-recorded). Also
/// the webhook metrics: <c>im.webhook.backlog</c>, <c>im.webhook.events.dropped</c>, <c>im.webhook.events.sent</c>,
/// <c>im.webhook.posts.failed</c>, <c>im.webhook.post.duration</c>.
/// </summary>
public sealed class WebhookEvents
{
    private readonly WebhookOptions _options;
    private readonly IEventOutbox _outbox;
    private readonly bool[] _wanted = new bool[EventKinds.Names.Count + 1];
    private readonly Counter<long>? _dropped;
    private long _backlog;

    public WebhookEvents(IOptions<WebhookOptions> options, IEventOutbox outbox, IMeterFactory? meters = null)
    {
        _options = options.Value;
        _outbox = outbox;
        if (_options.Enabled)
        {
            foreach (var name in _options.EventTypes)
            {
                _wanted[EventKinds.FromName(name)] = true;
            }
        }

        var meter = meters?.Create(new MeterOptions("OrleansIm"));
        if (meter is not null)
        {
            meter.CreateObservableGauge("im.webhook.backlog", () => Interlocked.Read(ref _backlog), description: "Webhook events waiting to be posted (as last counted)");
            _dropped = meter.CreateCounter<long>("im.webhook.events.dropped", description: "Webhook events not recorded because the backlog was full, by type");
            Sent = meter.CreateCounter<long>("im.webhook.events.sent", description: "Webhook events the receiver accepted");
            Failed = meter.CreateCounter<long>("im.webhook.posts.failed", description: "Webhook POSTs that failed (error status, timeout, no connection)");
            PostDuration = meter.CreateHistogram<double>("im.webhook.post.duration", unit: "ms", description: "Time of one webhook POST");
        }
    }

    internal Counter<long>? Sent { get; }

    internal Counter<long>? Failed { get; }

    internal Histogram<double>? PostDuration { get; }

    public bool Enabled => _options.Enabled;

    /// <summary>Whether events of <paramref name="kind"/> are sent at all.</summary>
    public bool Wants(int kind) => _wanted[kind];

    /// <summary>Events waiting, as last counted and since recorded here.</summary>
    public long Backlog => Interlocked.Read(ref _backlog);

    /// <summary>The poster's count of the outbox.</summary>
    internal void SetBacklog(long count) => Interlocked.Exchange(ref _backlog, count);

    /// <summary>The events to store with a private message for <paramref name="receiver"/>, or null.</summary>
    /// <param name="offline">The receiver has no online session and keeps the message.</param>
    /// <param name="readSeq">The receiver's read position in the conversation with the sender.</param>
    public MessageEvents? ForPrivate(bool offline, ulong readSeq)
    {
        offline &= Wants(EventKinds.MessageOffline);
        var stored = Wants(EventKinds.MessageStored);
        if (!offline && !stored)
        {
            return null;
        }

        offline = offline && Admit(EventKinds.MessageOffline);
        stored = stored && Admit(EventKinds.MessageStored);
        return offline || stored ? new MessageEvents(offline, stored, offline ? $"{{\"read_seq\":{readSeq}}}" : null, readSeq) : null;
    }

    /// <summary>The events to store with a group message whose members <paramref name="offlineMembers"/> have no session, or null.</summary>
    public MessageEvents? ForGroup(Func<IReadOnlyCollection<ulong>> offlineMembers)
    {
        var offline = Wants(EventKinds.MessageOffline);
        var stored = Wants(EventKinds.MessageStored);
        if (!offline && !stored)
        {
            return null;
        }

        string? payload = null;
        if (offline)
        {
            var uids = offlineMembers();
            offline = uids.Count > 0 && Admit(EventKinds.MessageOffline);
            if (offline)
            {
                payload = Json(w =>
                {
                    w.WriteStartArray("uids");
                    foreach (var uid in uids)
                    {
                        w.WriteNumberValue(uid);
                    }

                    w.WriteEndArray();
                });
            }
        }

        stored = stored && Admit(EventKinds.MessageStored);
        return offline || stored ? new MessageEvents(offline, stored, payload) : null;
    }

    /// <summary>
    /// Records an event that is not a message's, if its type is wanted and there is room. A failure to record is
    /// logged by the caller's grain call failing: these events ride on state already changed, so callers ignore it.
    /// </summary>
    public Task RecordAsync(int kind, Action<Utf8JsonWriter> fields)
    {
        if (!Wants(kind) || !Admit(kind))
        {
            return Task.CompletedTask;
        }

        return _outbox.AddAsync(kind, Json(fields));
    }

    private bool Admit(int kind)
    {
        if (Interlocked.Increment(ref _backlog) <= _options.MaxBacklog)
        {
            return true;
        }

        Interlocked.Decrement(ref _backlog);
        _dropped?.Add(1, new KeyValuePair<string, object?>("type", EventKinds.NameOf(kind)));
        return false;
    }

    private static string Json(Action<Utf8JsonWriter> fields)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            fields(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
