using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Storage.Retention;

/// <summary>
/// Trims the message store in the background when <see cref="RetentionOptions"/> asks for it: a round every
/// <see cref="RetentionOptions.Interval"/>, made of small steps with a pause between them. Entries removed are
/// counted in <c>im.retention.trimmed</c> (by log: inbox, group).
/// </summary>
public sealed partial class RetentionService(
    IOptions<RetentionOptions> options,
    IMessageTrimmer trimmer,
    [FromKeyedServices(ImClock.Key)] TimeProvider time,
    ILogger<RetentionService> log,
    IMeterFactory meters) : BackgroundService
{
    private readonly RetentionOptions _options = options.Value;
    private readonly Counter<long> _trimmed = meters.Create(new MeterOptions("OrleansIm"))
        .CreateCounter<long>("im.retention.trimmed", description: "Log entries removed by retention, by log (inbox, group)");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        LogStarted(log, _options.MaxAge, _options.MaxCount, _options.Interval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The next round starts over; what was removed stays removed.
                LogRoundFailed(log, ex);
            }

            await Task.Delay(_options.Interval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>One round: steps until the store says it is done.</summary>
    public async Task RoundAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? cutoff = _options.MaxAge > TimeSpan.Zero ? time.GetUtcNow() - _options.MaxAge : null;
        long inbox = 0, group = 0;
        while (true)
        {
            var step = await trimmer.TrimAsync(_options, cutoff, cancellationToken);
            inbox += step.Inbox;
            group += step.Group;
            if (step.Inbox > 0)
            {
                _trimmed.Add(step.Inbox, new KeyValuePair<string, object?>("log", "inbox"));
            }

            if (step.Group > 0)
            {
                _trimmed.Add(step.Group, new KeyValuePair<string, object?>("log", "group"));
            }

            if (step.Done)
            {
                break;
            }

            if (_options.Pause > TimeSpan.Zero)
            {
                await Task.Delay(_options.Pause, time, cancellationToken);
            }
        }

        if (inbox + group > 0)
        {
            LogTrimmed(log, inbox, group);
        }
    }

    [LoggerMessage(EventId = 8021, Level = LogLevel.Information, Message = "Retention on: max age {MaxAge}, max count {MaxCount}, a round every {Interval}")]
    private static partial void LogStarted(ILogger logger, TimeSpan maxAge, long maxCount, TimeSpan interval);

    [LoggerMessage(EventId = 8022, Level = LogLevel.Information, Message = "Retention removed {Inbox} inbox entries and {Group} group log entries")]
    private static partial void LogTrimmed(ILogger logger, long inbox, long group);

    [LoggerMessage(EventId = 8023, Level = LogLevel.Warning, Message = "A retention round failed; the next one starts over")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
