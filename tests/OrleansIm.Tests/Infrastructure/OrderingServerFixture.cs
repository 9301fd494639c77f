namespace OrleansIm.Tests.Infrastructure;

/// <summary>
/// An embedded server of the ordering tests' own: they deactivate every idle grain between bursts, which no other
/// test's server should see. No request rate limit, so a burst is never refused.
/// </summary>
public sealed class OrderingServerFixture : IAsyncLifetime
{
    public ImServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ImServer.StartAsync(new Dictionary<string, string?>
    {
        ["Gateway:RequestsPerSecond"] = "1000000",
        ["Gateway:RequestBurst"] = "1000000",
        ["Gateway:MaxRequestsInFlight"] = "64",
    });

    public Task DisposeAsync() => Server.StopAsync();
}

[CollectionDefinition(Name)]
public sealed class OrderingServerCollection : ICollectionFixture<OrderingServerFixture>
{
    public const string Name = "ordering server";
}
