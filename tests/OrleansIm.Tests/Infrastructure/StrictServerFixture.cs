namespace OrleansIm.Tests.Infrastructure;

/// <summary>A server with tight limits (short timeouts, low rate, small queue) for the tests of those limits.</summary>
public sealed class StrictServerFixture : IAsyncLifetime
{
    public const int RequestBurst = 20;
    public const int OutboundQueueFrames = 64;

    public ImServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ImServer.StartAsync(new Dictionary<string, string?>
    {
        ["Gateway:HeartbeatSeconds"] = "1",
        ["Gateway:HandshakeTimeout"] = "00:00:01",
        ["Gateway:SweepInterval"] = "00:00:00.200",
        ["Gateway:RequestsPerSecond"] = "5",
        ["Gateway:RequestBurst"] = RequestBurst.ToString(),
        ["Gateway:OutboundQueueFrames"] = OutboundQueueFrames.ToString(),
        ["Gateway:MaxBodyLength"] = "1024",
    });

    public Task DisposeAsync() => Server.StopAsync();
}

[CollectionDefinition(Name)]
public sealed class StrictServerCollection : ICollectionFixture<StrictServerFixture>
{
    public const string Name = "strict server";
}
