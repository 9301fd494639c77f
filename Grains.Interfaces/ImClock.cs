namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// The key of the <see cref="TimeProvider"/> OrleansIm's own code reads time from (timeouts, heartbeats, rate limits,
/// token lifetimes, node expiry, broadcast expiry), registered as a keyed service. It is kept apart from the default
/// <see cref="TimeProvider"/> that Orleans itself runs on, so that a test can drive this one with a fake clock while
/// the runtime's messaging and membership keep real time.
/// </summary>
public static class ImClock
{
    public const string Key = "orleansim";
}
