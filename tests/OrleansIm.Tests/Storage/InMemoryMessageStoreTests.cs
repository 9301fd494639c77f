using OrleansIm.Grains.Storage;

namespace OrleansIm.Tests.Storage;

public sealed class InMemoryMessageStoreTests : MessageStoreContract
{
    protected override Task<IMessageStore> CreateStoreAsync() => Task.FromResult<IMessageStore>(new InMemoryMessageStore(Clock));
}
