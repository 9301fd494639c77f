namespace OrleansIm.Tests.Infrastructure;

/// <summary>Fresh ids for each test, so tests sharing a server never touch each other's users or devices.</summary>
public static class Ids
{
    private static long _last = Random.Shared.Next(1, 1_000_000) * 1000L;

    public static ulong Next() => (ulong)Interlocked.Increment(ref _last);
}
