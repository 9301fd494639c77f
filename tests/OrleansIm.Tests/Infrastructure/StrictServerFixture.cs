using Microsoft.Extensions.Time.Testing;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>
/// A server with tight limits (short timeouts, low rate, small queue) for the tests of those limits, on a fake clock
/// the tests move: a timeout happens when a test advances past it, never because the machine was slow.
/// </summary>
public sealed class StrictServerFixture : IAsyncLifetime
{
    public const int RequestBurst = 20;
    public const int RequestsPerSecond = 5;
    public const int OutboundQueueFrames = 64;
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan StalledReaderTimeout = TimeSpan.FromSeconds(2);

    public ImServer Server { get; private set; } = null!;

    public FakeTimeProvider Clock { get; } = new();

    public async Task InitializeAsync() => Server = await ImServer.StartAsync(clock: Clock, settings: new Dictionary<string, string?>
    {
        ["Gateway:HeartbeatSeconds"] = ((int)Heartbeat.TotalSeconds).ToString(),
        ["Gateway:HandshakeTimeout"] = HandshakeTimeout.ToString(),
        ["Gateway:SweepInterval"] = SweepInterval.ToString(),
        ["Gateway:RequestsPerSecond"] = RequestsPerSecond.ToString(),
        ["Gateway:RequestBurst"] = RequestBurst.ToString(),
        ["Gateway:OutboundQueueFrames"] = OutboundQueueFrames.ToString(),
        ["Gateway:MaxBodyLength"] = "1024",
        ["Gateway:StalledReaderTimeout"] = "00:00:02",
    });

    public Task DisposeAsync() => Server.StopAsync();
}

[CollectionDefinition(Name)]
public sealed class StrictServerCollection : ICollectionFixture<StrictServerFixture>
{
    public const string Name = "strict server";
}
