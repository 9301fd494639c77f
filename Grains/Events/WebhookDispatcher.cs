using OrleansIm.Protocol;
using OrleansIm.Grains.Interfaces;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansIm.Grains.Events;

/// <summary>
/// Posts the outbox's events to <see cref="WebhookOptions.Url"/>: on every silo it keeps the backlog count current,
/// and on the one that holds the outbox's lease it posts the oldest events in batches, signed, removing them only
/// once the receiver answered 2xx. A failed POST (error status, timeout, no connection) is sent again, the same
/// events in the same order, after a wait that doubles from <see cref="WebhookOptions.RetryMin"/> to
/// <see cref="WebhookOptions.RetryMax"/>; nothing behind it is posted meanwhile, so one user's events stay in order.
/// </summary>
public sealed partial class WebhookDispatcher(
    IEventOutbox outbox,
    WebhookEvents events,
    IOptions<WebhookOptions> options,
    [FromKeyedServices(ImClock.Key)] TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private readonly WebhookOptions _options = options.Value;

    /// <summary>How often the leader counts the backlog while posting (the other silos count once per poll).</summary>
    private TimeSpan CountInterval => _options.PollInterval > TimeSpan.FromSeconds(1) ? _options.PollInterval : TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        await Task.Yield();
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        LogStarted(_options.Url, string.Join(", ", _options.EventTypes), outbox.Durable ? "PostgreSQL outbox" : "in-memory queue, lost if the process ends");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CountAsync(stoppingToken);
                if (await outbox.TryLeadAsync(stoppingToken) is { } lease)
                {
                    await using (lease)
                    {
                        await PostAllAsync(http, lease, stoppingToken);
                    }
                }
                else
                {
                    await Task.Delay(_options.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database went away under the lease: another silo may lead now; look again shortly.
                LogOutboxFailed(ex);
                await Delay(_options.RetryMin, stoppingToken);
            }
        }
    }

    private async Task PostAllAsync(HttpClient http, IOutboxLease lease, CancellationToken stoppingToken)
    {
        var failures = 0;
        var counted = Stopwatch.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (Stopwatch.GetElapsedTime(counted) >= CountInterval)
            {
                await CountAsync(stoppingToken);
                counted = Stopwatch.GetTimestamp();
            }

            var batch = await lease.ReadAsync(_options.MaxBatch, stoppingToken);
            if (batch.Count == 0)
            {
                await Task.Delay(_options.PollInterval, stoppingToken);
                continue;
            }

            if (await PostAsync(http, batch, stoppingToken))
            {
                await lease.RemoveAsync([.. batch.Select(e => e.Id)], stoppingToken);
                events.Sent?.Add(batch.Count);
                events.SetBacklog(Math.Max(0, events.Backlog - batch.Count));
                failures = 0;
            }
            else
            {
                failures++;
                var wait = TimeSpan.FromTicks(Math.Min(_options.RetryMax.Ticks, _options.RetryMin.Ticks << Math.Min(failures - 1, 30)));
                await Delay(wait, stoppingToken);
            }
        }
    }

    private async Task<bool> PostAsync(HttpClient http, IReadOnlyList<OutboxItem> batch, CancellationToken stoppingToken)
    {
        var body = WebhookPayload.Write(batch);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(_options.Secret, timestamp, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(_options.Timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            events.PostDuration?.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }

            events.Failed?.Add(1);
            LogRefused((int)response.StatusCode, batch.Count, batch[0].Id);
            return false;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
        {
            events.Failed?.Add(1);
            LogUnreachable(ex.Message, batch.Count, batch[0].Id);
            return false;
        }
    }

    private async Task CountAsync(CancellationToken stoppingToken) => events.SetBacklog(await outbox.CountAsync(stoppingToken));

    private static async Task Delay(TimeSpan wait, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(wait, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 8101, Level = LogLevel.Information, Message = "Webhooks: posting {Events} to {Url} ({Outbox})")]
    private partial void LogStarted(string url, string events, string outbox);

    [LoggerMessage(EventId = 8102, Level = LogLevel.Warning, Message = "Webhooks: the receiver answered {Status} to {Count} events from id {FirstId}; sending them again later")]
    private partial void LogRefused(int status, int count, long firstId);

    [LoggerMessage(EventId = 8103, Level = LogLevel.Warning, Message = "Webhooks: POST of {Count} events from id {FirstId} failed ({Reason}); sending them again later")]
    private partial void LogUnreachable(string reason, int count, long firstId);

    [LoggerMessage(EventId = 8104, Level = LogLevel.Warning, Message = "Webhooks: reading the outbox failed")]
    private partial void LogOutboxFailed(Exception ex);
}
