using OrleansIm.Gateway.Commands;

namespace OrleansIm.Tests.Gateway;

/// <summary>The login's retry of calls that could not reach a silo: what it repeats, and when it gives up.</summary>
public sealed class ClusterRetryTests
{
    private static readonly Exception Unreachable = new Orleans.Runtime.SiloUnavailableException("silo unavailable");

    [Fact]
    public async Task A_call_that_could_not_reach_a_silo_is_repeated_until_it_succeeds()
    {
        int calls = 0;
        var retries = new List<int>();
        var result = await ClusterRetry.RunAsync(
            () => ++calls < 4 ? Task.FromException<int>(new Orleans.Runtime.Messaging.ConnectionFailedException("refused")) : Task.FromResult(42),
            () => true, TimeProvider.System, TimeProvider.System.GetTimestamp(), TimeSpan.FromSeconds(5), (_, attempt) => retries.Add(attempt));

        Assert.Equal(42, result);
        Assert.Equal(4, calls);
        Assert.Equal([1, 2, 3], retries);
    }

    [Fact]
    public async Task Any_other_failure_propagates_at_once()
    {
        int calls = 0;
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => ClusterRetry.RunAsync<int>(
            () => { calls++; throw new InvalidOperationException("storage says no"); },
            () => true, TimeProvider.System, TimeProvider.System.GetTimestamp(), TimeSpan.FromSeconds(5)));

        Assert.Equal("storage says no", failure.Message);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task The_last_failure_propagates_once_the_budget_is_spent()
    {
        // On a clock of the test's own, so that a busy machine's late timers cannot stretch the pauses.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        int calls = 0;
        var started = clock.GetTimestamp();
        var run = ClusterRetry.RunAsync<int>(
            () => { Interlocked.Increment(ref calls); return Task.FromException<int>(Unreachable); },
            () => true, clock, started, TimeSpan.FromMilliseconds(800));
        while (!run.IsCompleted && clock.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            await Task.Delay(1);
        }

        await Assert.ThrowsAsync<Orleans.Runtime.SiloUnavailableException>(() => run);
        var spent = clock.GetElapsedTime(started);
        // Pauses of 100, 200 and 400 ms fit in 800 ms; the next (800 ms) would not.
        Assert.Equal(4, calls);
        Assert.InRange(spent, TimeSpan.FromMilliseconds(700), TimeSpan.FromMilliseconds(800));
    }

    [Fact]
    public async Task A_caller_that_is_gone_is_not_retried_for()
    {
        int calls = 0;
        bool wanted = true;
        await Assert.ThrowsAsync<Orleans.Runtime.SiloUnavailableException>(() => ClusterRetry.RunAsync<int>(
            () => { calls++; wanted = calls < 2; return Task.FromException<int>(Unreachable); },
            () => wanted, TimeProvider.System, TimeProvider.System.GetTimestamp(), TimeSpan.FromSeconds(5)));

        Assert.Equal(2, calls);
    }

    [Fact]
    public void Only_failures_to_reach_a_silo_count_as_unreachable()
    {
        Assert.True(ClusterRetry.IsUnreachableSilo(Unreachable));
        Assert.True(ClusterRetry.IsUnreachableSilo(new Orleans.Runtime.Messaging.ConnectionFailedException("refused")));
        Assert.True(ClusterRetry.IsUnreachableSilo(new AggregateException(Unreachable)));
        Assert.False(ClusterRetry.IsUnreachableSilo(new TimeoutException()));
        Assert.False(ClusterRetry.IsUnreachableSilo(new Orleans.Runtime.OrleansException("grain code failed")));
    }
}
