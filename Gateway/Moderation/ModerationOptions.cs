using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Gateway.Moderation;

/// <summary>
/// Moderation: a synchronous call to the operator's service before a CHAT, GROUP-CHAT or ROOM-CHAT is stored, bound
/// from the <c>Moderation</c> section. Off unless <see cref="Url"/> is set (docs/moderation.md).
/// </summary>
public sealed class ModerationOptions : IValidatableObject
{
    public const string Section = "Moderation";

    /// <summary>Where each message is POSTed for a verdict (http or https); empty: no moderation.</summary>
    public string Url { get; set; } = "";

    /// <summary>The shared secret the HMAC-SHA256 signature is made with; at least 16 characters when <see cref="Url"/> is set.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Most calls in flight to the service at once from one gateway; more wait for a connection.</summary>
    [Range(1, 10_000)]
    public int MaxConnections { get; set; } = 256;

    /// <summary>CHAT (private messages).</summary>
    public ModerationRule Chat { get; set; } = new();

    /// <summary>GROUP-CHAT.</summary>
    public ModerationRule GroupChat { get; set; } = new();

    /// <summary>ROOM-CHAT.</summary>
    public ModerationRule RoomChat { get; set; } = new();

    public bool Enabled => Url.Length > 0;

    public ModerationRule RuleFor(ModeratedCommand command) => command switch
    {
        ModeratedCommand.Chat => Chat,
        ModeratedCommand.GroupChat => GroupChat,
        _ => RoomChat,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"Moderation:Url \"{Url}\" is not an absolute http or https URL", [nameof(Url)]);
        }

        if (Secret.Length < 16)
        {
            yield return new ValidationResult("Moderation:Secret must be at least 16 characters when Moderation:Url is set", [nameof(Secret)]);
        }

        foreach (var (name, rule) in new[] { ("Chat", Chat), ("GroupChat", GroupChat), ("RoomChat", RoomChat) })
        {
            if (rule.Timeout <= TimeSpan.Zero || rule.Timeout > TimeSpan.FromSeconds(30))
            {
                yield return new ValidationResult($"Moderation:{name}:Timeout {rule.Timeout} must be more than 0 and at most 30 s", [name]);
            }

            if (rule.OnFailure is not (ModerationRule.Allow or ModerationRule.Reject))
            {
                yield return new ValidationResult($"Moderation:{name}:OnFailure \"{rule.OnFailure}\" must be \"{ModerationRule.Allow}\" (fail open) or \"{ModerationRule.Reject}\" (fail closed)", [name]);
            }
        }
    }
}

/// <summary>How one command is moderated.</summary>
public sealed class ModerationRule
{
    public const string Allow = "allow";

    public const string Reject = "reject";

    /// <summary>Whether this command is sent for a verdict at all (when moderation is on).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long the gateway waits for a verdict before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// What a failed call (timeout, refused connection, an answer that is not 2xx or not a verdict) means:
    /// <c>allow</c> stores the message as sent (fail open), <c>reject</c> refuses it with 20023 (fail closed).
    /// </summary>
    public string OnFailure { get; set; } = Allow;

    public bool FailClosed => OnFailure == Reject;
}

/// <summary>The commands that can be moderated.</summary>
public enum ModeratedCommand
{
    Chat,
    GroupChat,
    RoomChat,
}
