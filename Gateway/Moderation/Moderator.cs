using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIm.Gateway.Diagnostics;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Moderation;

/// <summary>The verdict on one message: Ok (perhaps with a replacement text), or the code the sender gets.</summary>
public readonly record struct ModerationVerdict(uint Code, string? Replacement)
{
    public static readonly ModerationVerdict Allowed = new(ResultCode.Ok, null);
}

/// <summary>
/// Asks the operator's moderation service about a message before it is stored: one signed JSON POST, answered with
/// allow, reject or replace. A call that fails or times out counts as the command's <c>OnFailure</c> says. When
/// moderation is off, <see cref="Checks"/> is false and nothing else runs.
/// </summary>
public sealed partial class Moderator : IDisposable
{
    /// <summary>The longest answer read; a longer one is not a verdict.</summary>
    private const int MaxAnswerBytes = 64 * 1024;

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly ModerationOptions _options;
    private readonly GatewayOptions _gateway;
    private readonly ImMetrics _metrics;
    private readonly ILogger<Moderator> _log;
    private readonly TimeProvider _time;
    private readonly HttpClient? _http;
    private readonly Uri? _url;
    private readonly bool[] _checks = new bool[3];
    private long _failures;
    private long _lastFailureLog;

    public Moderator(IOptions<ModerationOptions> options, IOptions<GatewayOptions> gateway, ImMetrics metrics, ILogger<Moderator> log, [FromKeyedServices(ImClock.Key)] TimeProvider time)
    {
        _options = options.Value;
        _gateway = gateway.Value;
        _metrics = metrics;
        _log = log;
        _time = time;
        if (!_options.Enabled)
        {
            return;
        }

        _url = new Uri(_options.Url);
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = _options.MaxConnections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        foreach (var command in Enum.GetValues<ModeratedCommand>())
        {
            _checks[(int)command] = _options.RuleFor(command).Enabled;
        }
    }

    /// <summary>Whether messages of this command are sent for a verdict.</summary>
    public bool Checks(ModeratedCommand command) => _checks[(int)command];

    /// <summary>
    /// The verdict on <paramref name="text"/>, sent by <paramref name="uid"/> to <paramref name="to"/> (the receiver,
    /// the gid or the rid) with the sender's message id <paramref name="serial"/>. Never throws.
    /// </summary>
    private async ValueTask<ModerationVerdict> CheckAsync(ModeratedCommand command, ulong uid, ulong to, ulong serial, string text)
    {
        var rule = _options.RuleFor(command);
        var started = Stopwatch.GetTimestamp();
        string outcome;
        ModerationVerdict verdict;
        using var timeout = new CancellationTokenSource(rule.Timeout);
        try
        {
            var body = Request(command, uid, to, serial, text);
            var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = Json;
            request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(_options.Secret, timestamp, body));
            using var response = await _http!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new ModerationException($"status {(int)response.StatusCode}");
            }

            var answer = response.StatusCode == System.Net.HttpStatusCode.NoContent
                ? null
                : await ReadAnswerAsync(response.Content, timeout.Token);
            (outcome, verdict) = Decide(answer);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or ModerationException or JsonException or IOException)
        {
            outcome = timeout.IsCancellationRequested ? "timeout" : "error";
            verdict = rule.FailClosed ? new ModerationVerdict(ResultCode.ModerationUnavailable, null) : ModerationVerdict.Allowed;
            Failed(command, outcome, ex);
        }

        _metrics.Moderated(command, outcome, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return verdict;
    }

    /// <summary>
    /// Asks for a verdict and applies it: the code for the sender (0 to go on), and a replacement text handed to
    /// <paramref name="replace"/> before the message is stored.
    /// </summary>
    public async ValueTask<uint> ReviewAsync(ModeratedCommand command, ulong uid, ulong to, ulong serial, string text, Action<string> replace)
    {
        var verdict = await CheckAsync(command, uid, to, serial, text);
        if (verdict.Replacement is not null)
        {
            replace(verdict.Replacement);
        }

        return verdict.Code;
    }

    /// <summary>The JSON sent: <c>{"command":"chat","uid":1,"to":2,"serial":7,"text":"…"}</c>.</summary>
    private static byte[] Request(ModeratedCommand command, ulong uid, ulong to, ulong serial, string text)
    {
        var buffer = new ArrayBufferWriter<byte>(96 + text.Length * 3);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("command", NameOf(command));
            json.WriteNumber("uid", uid);
            json.WriteNumber("to", to);
            json.WriteNumber("serial", serial);
            json.WriteString("text", text);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string NameOf(ModeratedCommand command) => command switch
    {
        ModeratedCommand.Chat => "chat",
        ModeratedCommand.GroupChat => "group.chat",
        _ => "room.chat",
    };

    private static async Task<byte[]> ReadAnswerAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxAnswerBytes)
        {
            throw new ModerationException("answer too long");
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxAnswerBytes + 1];
        int read = 0, n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }

        if (read > MaxAnswerBytes)
        {
            throw new ModerationException("answer too long");
        }

        return buffer[..read];
    }

    /// <summary>
    /// Reads the answer: no body (204) or <c>{"action":"allow"}</c> allows, <c>{"action":"reject"}</c> rejects with
    /// 20022, <c>{"action":"replace","text":"…"}</c> stores the text given instead. Anything else is not a verdict.
    /// </summary>
    private (string Outcome, ModerationVerdict Verdict) Decide(byte[]? answer)
    {
        if (answer is null)
        {
            return ("allow", ModerationVerdict.Allowed);
        }

        using var document = JsonDocument.Parse(answer);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.String)
        {
            throw new ModerationException("no action in the answer");
        }

        switch (action.GetString())
        {
            case "allow":
                return ("allow", ModerationVerdict.Allowed);
            case "reject":
                return ("reject", new ModerationVerdict(ResultCode.ModerationRejected, null));
            case "replace":
                if (!root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                {
                    throw new ModerationException("replace without a text");
                }

                var replacement = text.GetString()!;
                if (Encoding.UTF8.GetByteCount(replacement) > _gateway.MaxTextBytes)
                {
                    throw new ModerationException($"replacement longer than {_gateway.MaxTextBytes} bytes");
                }

                return ("replace", new ModerationVerdict(ResultCode.Ok, replacement));
            default:
                throw new ModerationException($"unknown action \"{action.GetString()}\"");
        }
    }

    /// <summary>Counts a failed call; logs at most one line in ten seconds, with how many failed since the last.</summary>
    private void Failed(ModeratedCommand command, string outcome, Exception ex)
    {
        Interlocked.Increment(ref _failures);
        var now = Environment.TickCount64;
        var last = Volatile.Read(ref _lastFailureLog);
        if ((last == 0 || now - last >= 10_000) && Interlocked.CompareExchange(ref _lastFailureLog, now, last) == last)
        {
            var since = Interlocked.Exchange(ref _failures, 0);
            LogFailed(_log, NameOf(command), outcome, ex.Message, since, _options.RuleFor(command).OnFailure);
        }
    }

    [LoggerMessage(EventId = 6201, Level = LogLevel.Warning, Message = "Moderation of {Command} failed ({Outcome}: {Reason}); {Count} failure(s) since the last report, each taken as {OnFailure}")]
    private static partial void LogFailed(ILogger logger, string command, string outcome, string reason, long count, string onFailure);

    public void Dispose() => _http?.Dispose();

    private sealed class ModerationException(string message) : Exception(message);
}
