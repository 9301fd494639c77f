using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Grains.Events;

/// <summary>Webhooks: events POSTed to the operator's backend, bound from the <c>Webhooks</c> section.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "Webhooks";

    /// <summary>Where the events are POSTed (http or https); empty: no webhooks, no events recorded.</summary>
    public string Url { get; set; } = "";

    /// <summary>The shared secret the HMAC-SHA256 signature is made with; at least 16 characters when <see cref="Url"/> is set.</summary>
    public string Secret { get; set; } = "";

    /// <summary>
    /// The event types to send: <c>message.offline</c>, <c>message.stored</c>, <c>session.online</c>,
    /// <c>session.offline</c>, <c>contact.changed</c>, <c>group.member</c>. None given: <c>message.offline</c> only
    /// (see <see cref="EventTypes"/>).
    /// </summary>
    public string[] Events { get; set; } = [];

    /// <summary>The event types in effect: <see cref="Events"/>, or <c>message.offline</c> when none are given.</summary>
    public IReadOnlyList<string> EventTypes => Events.Length > 0 ? Events : [EventKinds.MessageOfflineName];

    /// <summary>Most events in one POST.</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 500;

    /// <summary>How long one POST may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first wait after a failed POST; each failure in a row doubles it up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryMin { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMax { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Most events waiting to be posted. Beyond it new events are not recorded (counted in
    /// <c>im.webhook.events.dropped</c>) until the receiver catches up; what is recorded is never dropped.
    /// </summary>
    [Range(1, 100_000_000)]
    public long MaxBacklog { get; set; } = 1_000_000;

    /// <summary>How often the outbox is looked at when it was empty (PostgreSQL mode), and how often the backlog is counted.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    public bool Enabled => Url.Length > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"Webhooks:Url \"{Url}\" is not an absolute http or https URL", [nameof(Url)]);
        }

        if (Secret.Length < 16)
        {
            yield return new ValidationResult("Webhooks:Secret must be at least 16 characters when Webhooks:Url is set", [nameof(Secret)]);
        }

        foreach (var name in EventTypes)
        {
            if (EventKinds.FromName(name) == 0)
            {
                yield return new ValidationResult($"Webhooks:Events: unknown event type \"{name}\" (known: {string.Join(", ", EventKinds.Names)})", [nameof(Events)]);
            }
        }

        if (Timeout <= TimeSpan.Zero || RetryMin <= TimeSpan.Zero || RetryMax < RetryMin || PollInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Webhooks: Timeout, RetryMin and PollInterval must be positive and RetryMax at least RetryMin", [nameof(Timeout)]);
        }
    }
}
