using OrleansIm.Gateway.Sessions;
using OrleansIm.Protocol;

namespace OrleansIm.Tests.Gateway;

/// <summary>
/// The outbound queue: no frame is lost or reordered, the reader is never left asleep with frames queued, and an idle
/// queue holds no more than its first small ring.
/// </summary>
public sealed class OutboundQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_last_frame_written_just_before_completion_always_reaches_the_reader()
    {
        for (int round = 0; round < 20_000; round++)
        {
            var queue = new OutboundQueue(16);
            var reading = Task.Run(() => ReadAllAsync(queue));
            await Task.Yield();
            Assert.True(queue.TryWrite(OutboundFrame.Message(Cmd.Except, (ulong)round, null)));
            queue.Complete();
            Assert.Equal(1, await reading.WaitAsync(Patience));
        }
    }

    [Fact]
    public async Task Frames_from_many_writers_are_all_read_once()
    {
        var queue = new OutboundQueue(1_000_000);
        var reading = Task.Run(() => ReadAllAsync(queue));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                Assert.True(queue.TryWrite(OutboundFrame.Message(Cmd.Pong, (ulong)i, null)));
            }
        })));
        queue.Complete();
        Assert.Equal(80_000, await reading.WaitAsync(Patience));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_full_queue_refuses_and_a_completed_one_too()
    {
        var queue = new OutboundQueue(2);
        Assert.True(queue.TryWrite(OutboundFrame.Message(Cmd.Pong, 1, null)));
        Assert.True(queue.TryWrite(OutboundFrame.Message(Cmd.Pong, 2, null)));
        Assert.False(queue.TryWrite(OutboundFrame.Message(Cmd.Pong, 3, null)));
        Assert.Equal(2, queue.Count);

        Assert.True(queue.TryRead(out var first));
        Assert.Equal(1UL, first.Serial);
        queue.Complete();
        Assert.False(queue.TryWrite(OutboundFrame.Message(Cmd.Pong, 4, null)));
        Assert.True(queue.TryRead(out var second));
        Assert.Equal(2UL, second.Serial);
    }

    [Fact]
    public void Frames_keep_their_order_while_the_ring_wraps_and_grows_and_a_drained_burst_lets_its_ring_go()
    {
        var queue = new OutboundQueue(1000);
        Assert.Equal(0, queue.Slots);
        ulong written = 0, read = 0;

        // Wrap the first ring several times with the reader one frame behind.
        for (int i = 0; i < 10; i++)
        {
            Assert.True(queue.TryWrite(OutboundFrame.Message(Cmd.Pong, ++written, null)));
            Assert.True(queue.TryWrite(OutboundFrame.Message(Cmd.Pong, ++written, null)));
            Assert.True(queue.TryRead(out var frame));
            Assert.Equal(++read, frame.Serial);
        }

        Assert.Equal(OutboundQueue.FirstSlots * 4, queue.Slots);

        // A burst grows it past what is kept, starting from a head in the middle of the ring.
        for (int i = 0; i < 200; i++)
        {
            Assert.True(queue.TryWrite(OutboundFrame.Message(Cmd.Pong, ++written, null)));
        }

        Assert.True(queue.Slots > OutboundQueue.KeptSlots);
        while (queue.TryRead(out var frame))
        {
            Assert.Equal(++read, frame.Serial);
        }

        Assert.Equal(written, read);
        Assert.Equal(0, queue.Slots);

        // An idle connection's few frames stay in the first ring, which is kept.
        Assert.True(queue.TryWrite(OutboundFrame.Message(Cmd.Pong, ++written, null)));
        Assert.True(queue.TryRead(out var last));
        Assert.Equal(++read, last.Serial);
        Assert.Equal(OutboundQueue.FirstSlots, queue.Slots);
    }

    private static async Task<int> ReadAllAsync(OutboundQueue queue)
    {
        int count = 0;
        while (await queue.WaitToReadAsync())
        {
            while (queue.TryRead(out _))
            {
                count++;
            }
        }

        return count;
    }
}
