using Microsoft.Extensions.Logging.Abstractions;
using OrleansIm.Gateway.Pipeline;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Tests.Ordering;

/// <summary>The pipeline numbers the ordered requests of a connection: index, predecessor in the lane, floor.</summary>
public sealed class RequestPipelineOrderTests
{
    private const uint Nid = 4;
    private const long Connection = 17;
    private const uint Chat = 0x0201;

    // Off the test framework's synchronization context, so that the pipeline's continuations run inline.
    [Fact]
    public Task A_run_of_ordered_requests_chains_each_to_its_predecessor_in_the_lane() => Task.Run(() =>
    {
        var pipeline = new RequestPipeline(64, Nid, Connection, NullLogger.Instance);
        var toBob = Enumerable.Range(0, 3).Select(_ => new HeldRequest(Lane.User(2), Chat)).ToList();
        var toCarol = new HeldRequest(Lane.User(3), Chat);
        pipeline.Submit(toBob[0]);
        pipeline.Submit(toCarol);
        pipeline.Submit(toBob[1]);
        pipeline.Submit(toBob[2]);

        Assert.Equal(new CallOrder(Nid, Connection, 1, 0, 1), toBob[0].IssuedWith);
        Assert.Equal(new CallOrder(Nid, Connection, 2, 0, 1), toCarol.IssuedWith);
        Assert.Equal(new CallOrder(Nid, Connection, 3, 1, 1), toBob[1].IssuedWith);
        Assert.Equal(new CallOrder(Nid, Connection, 4, 3, 1), toBob[2].IssuedWith);
        Assert.Equal(1UL, pipeline.Floor);

        // The floor is the lowest index still running: it passes 1 and 2 only when both finished.
        toCarol.Finish();
        Assert.Equal(1UL, pipeline.Floor);
        toBob[0].Finish();
        Assert.Equal(3UL, pipeline.Floor);

        var next = new HeldRequest(Lane.User(2), Chat);
        pipeline.Submit(next);
        Assert.Equal(new CallOrder(Nid, Connection, 5, 4, 3), next.IssuedWith);

        toBob[1].Finish();
        toBob[2].Finish();
        next.Finish();
        Assert.Equal(6UL, pipeline.Floor);

        // A lane that went idle starts a new chain: nothing before it is running.
        var later = new HeldRequest(Lane.User(2), Chat);
        pipeline.Submit(later);
        Assert.Equal(new CallOrder(Nid, Connection, 6, 0, 6), later.IssuedWith);
    });

    [Fact]
    public Task An_ordered_request_behind_another_kind_waits_and_then_starts_a_new_chain() => Task.Run(() =>
    {
        var pipeline = new RequestPipeline(64, Nid, Connection, NullLogger.Instance);
        var chat = new HeldRequest(Lane.User(2), Chat);
        var friendAdd = new HeldRequest(Lane.User(2), 0);
        var chatAfter = new HeldRequest(Lane.User(2), Chat);
        pipeline.Submit(chat);
        pipeline.Submit(friendAdd);
        pipeline.Submit(chatAfter);
        Assert.False(friendAdd.Started);
        Assert.False(chatAfter.Started);

        chat.Finish();
        Assert.True(friendAdd.Started);
        Assert.Equal(CallOrder.None, friendAdd.IssuedWith);
        Assert.False(chatAfter.Started);

        friendAdd.Finish();
        Assert.Equal(new CallOrder(Nid, Connection, 2, 0, 2), chatAfter.IssuedWith);
    });

    /// <summary>A request that runs until the test finishes it, recording the order it was issued with.</summary>
    private sealed class HeldRequest(Lane lane, uint streamCmd) : PendingRequest(lane, streamCmd)
    {
        // Continuations run inline: the pipeline has counted a request finished when Finish returns.
        private readonly TaskCompletionSource _done = new();

        public CallOrder IssuedWith { get; private set; }

        public bool Started { get; private set; }

        public override ValueTask RunAsync(CallOrder order)
        {
            Started = true;
            IssuedWith = order;
            return new ValueTask(_done.Task);
        }

        public void Finish() => _done.SetResult();
    }
}
