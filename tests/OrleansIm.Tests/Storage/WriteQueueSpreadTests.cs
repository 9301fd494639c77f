using OrleansIm.Grains.Storage;

namespace OrleansIm.Tests.Storage;

/// <summary>
/// The PostgreSQL store's write queues are chosen by inbox or group id: ids that share a pattern must still use
/// every queue (with a plain modulo, all-odd receiver ids, as a load of pairs makes, all fell into one queue and one
/// database backend did all the work).
/// </summary>
public sealed class WriteQueueSpreadTests
{
    [Theory]
    [InlineData(2, 1UL, 2UL)] // every id odd
    [InlineData(2, 0UL, 2UL)] // every id even
    [InlineData(4, 8UL, 4UL)] // multiples of the queue count
    [InlineData(3, 5UL, 3UL)]
    [InlineData(8, 1000UL, 1UL)] // consecutive
    public void Ids_sharing_a_pattern_spread_over_every_queue(int queues, ulong first, ulong step)
    {
        const int Ids = 10_000;
        var counts = new int[queues];
        for (ulong i = 0; i < Ids; i++)
        {
            counts[PostgresMessageStore.QueueOf(first + i * step, queues)]++;
        }

        // Each queue within a third of an even share.
        Assert.All(counts, count => Assert.InRange(count, Ids / queues * 2 / 3, Ids / queues * 4 / 3));
    }

    [Fact]
    public void An_id_always_maps_to_the_same_queue_within_range()
    {
        for (ulong id = 0; id < 1_000; id++)
        {
            var queue = PostgresMessageStore.QueueOf(id * 7919, 5);
            Assert.InRange(queue, 0, 4);
            Assert.Equal(queue, PostgresMessageStore.QueueOf(id * 7919, 5));
        }

        Assert.InRange(PostgresMessageStore.QueueOf(ulong.MaxValue, 3), 0, 2);
    }
}
