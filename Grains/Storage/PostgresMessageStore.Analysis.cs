using Microsoft.Extensions.Logging;

namespace OrleansIm.Grains.Storage;

/// <summary>The message tables analyzed while they are young, so that the prepared statements get plans for their size.</summary>
public sealed partial class PostgresMessageStore
{
    private const string Analyze = "ANALYZE im_message, im_inbox, im_inbox_head, im_group_log";
    private const long FirstAnalyzeAfter = 1_000;
    private const long LastAnalyzeAfter = 64_000;
    private long _appended;
    private long _nextAnalyze = FirstAnalyzeAfter;

    /// <summary>
    /// Counts committed appends and, while the tables are young, has them analyzed after 1,000, 2,000, 4,000 … of
    /// this process's appends, the last at 64,000. The statements are prepared, and a plan made while a table was
    /// nearly empty (a scan of the whole inbox table to find repeats) is kept until the table is analyzed, which
    /// autovacuum does at most once a minute: on a fresh database that plan cut durable chat to a third. Past a few
    /// thousand rows the plans no longer change with size, and autovacuum keeps the statistics from there; each
    /// analyze costs a sample of every table (about 5% of PostgreSQL's CPU under load when they went on to a million).
    /// </summary>
    private void Appended(int count)
    {
        var total = Interlocked.Add(ref _appended, count);
        var due = Volatile.Read(ref _nextAnalyze);
        if (total < due || due > LastAnalyzeAfter || Interlocked.CompareExchange(ref _nextAnalyze, due * 2, due) != due)
        {
            return;
        }

        _ = AnalyzeAsync();
    }

    private async Task AnalyzeAsync()
    {
        try
        {
            await using var command = _dataSource.CreateCommand(Analyze);
            await command.ExecuteNonQueryAsync();
            LogAnalyzed(_logger, Volatile.Read(ref _appended));
        }
        catch (Exception ex)
        {
            // Only the plans' quality depends on it; autovacuum analyzes the tables in time anyway.
            LogAnalyzeFailed(_logger, ex);
        }
    }

    [LoggerMessage(EventId = 8010, Level = LogLevel.Debug, Message = "Analyzed the message tables after {Count} appends")]
    private static partial void LogAnalyzed(ILogger logger, long count);

    [LoggerMessage(EventId = 8011, Level = LogLevel.Warning, Message = "Analyzing the message tables failed")]
    private static partial void LogAnalyzeFailed(ILogger logger, Exception ex);
}
