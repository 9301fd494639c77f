namespace OrleansIm.Gateway.Commands;

/// <summary>
/// Retries a grain call whose target silo could not be reached. Between a silo's death and the moment the cluster
/// declares it dead, the grains it hosted still live on it in the directory, and a call to one of them is rejected at
/// once (connection refused, silo unavailable). Once the silo is declared dead the same call activates the grain on a
/// survivor. Only calls that are safe to repeat go through here: login's sid binding and session registration, which
/// a repeat with the same arguments leaves as one.
/// </summary>
public static class ClusterRetry
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(1);

    /// <summary>Whether <paramref name="ex"/> says the call never reached a live silo (and may be repeated).</summary>
    public static bool IsUnreachableSilo(Exception ex) => ex switch
    {
        // SiloUnavailableException derives from it; a refused or failed connection arrives wrapped in it.
        Orleans.Runtime.OrleansMessageRejectionException => true,
        Orleans.Runtime.Messaging.ConnectionFailedException => true,
        AggregateException { InnerExceptions.Count: 1 } aggregate => IsUnreachableSilo(aggregate.InnerExceptions[0]),
        _ => false,
    };

    /// <summary>
    /// Runs <paramref name="call"/>, again after a growing pause (100 ms doubling to 1 s) while it fails with an
    /// unreachable silo, <paramref name="stillWanted"/> holds and <paramref name="budget"/> has not run out since
    /// <paramref name="started"/> (a <see cref="TimeProvider"/> timestamp); then the last failure propagates.
    /// </summary>
    public static async Task<T> RunAsync<T>(Func<Task<T>> call, Func<bool> stillWanted, TimeProvider time, long started, TimeSpan budget, Action<Exception, int>? onRetry = null)
    {
        var pause = FirstPause;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (IsUnreachableSilo(ex) && stillWanted() && time.GetElapsedTime(started) + pause < budget)
            {
                onRetry?.Invoke(ex, attempt);
            }

            await Task.Delay(pause, time);
            pause = pause * 2 < LongestPause ? pause * 2 : LongestPause;
        }
    }
}
