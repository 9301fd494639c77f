namespace OrleansIm.Tests.Infrastructure;

/// <summary>An embedded server without a request rate limit, for the pipelining tests that send thousands at once.</summary>
public sealed class PipelineServerFixture : IAsyncLifetime
{
    public const int MaxRequestsInFlight = 64;

    public ImServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ImServer.StartAsync(new Dictionary<string, string?>
    {
        ["Gateway:RequestsPerSecond"] = "1000000",
        ["Gateway:RequestBurst"] = "1000000",
        ["Gateway:MaxRequestsInFlight"] = MaxRequestsInFlight.ToString(),
    });

    public Task DisposeAsync() => Server.StopAsync();
}

[CollectionDefinition(Name)]
public sealed class PipelineServerCollection : ICollectionFixture<PipelineServerFixture>
{
    public const string Name = "pipeline server";
}
