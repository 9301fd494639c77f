using OrleansIm.Gateway.Sessions;
using OrleansIm.Protocol;

namespace OrleansIm.Tests.Gateway;

/// <summary>The lock-free outbound queue: no frame is lost and the reader is never left asleep with frames queued.</summary>
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
