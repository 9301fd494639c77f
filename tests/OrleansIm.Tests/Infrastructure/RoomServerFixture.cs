namespace OrleansIm.Tests.Infrastructure;

/// <summary>A server with small buckets, a fast head-count push and no practical rate limit, for the room tests.</summary>
public sealed class RoomServerFixture : IAsyncLifetime
{
    public const int BucketSize = 3;

    public ImServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ImServer.StartAsync(new Dictionary<string, string?>
    {
        ["Rooms:BucketSize"] = BucketSize.ToString(),
        ["Rooms:UserCountInterval"] = "00:00:00.300",
        ["Gateway:RequestsPerSecond"] = "100000",
        ["Gateway:RequestBurst"] = "100000",
    });

    public Task DisposeAsync() => Server.StopAsync();
}

[CollectionDefinition(Name)]
public sealed class RoomServerCollection : ICollectionFixture<RoomServerFixture>
{
    public const string Name = "room server";
}
