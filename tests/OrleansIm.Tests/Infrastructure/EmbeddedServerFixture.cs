namespace OrleansIm.Tests.Infrastructure;

/// <summary>One embedded-mode server shared by a collection of gateway tests.</summary>
public sealed class EmbeddedServerFixture : IAsyncLifetime
{
    public ImServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ImServer.StartAsync();

    public Task DisposeAsync() => Server.StopAsync();
}

[CollectionDefinition(Name)]
public sealed class EmbeddedServerCollection : ICollectionFixture<EmbeddedServerFixture>
{
    public const string Name = "embedded server";
}
