using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Ordering;

/// <summary>
/// A grain starts the ordered calls of one connection in send order: calls are sent to a real user grain out of
/// order, on behalf of a gateway node of the test's own whose answers (how far the connection got) the test sets.
/// </summary>
[Collection(OrderingServerCollection.Name)]
public sealed class CallSequencerTests(OrderingServerFixture fixture)
{
    private IGrainFactory Grains => fixture.Server.Services.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task Calls_that_arrive_before_their_predecessor_wait_for_it_even_while_the_gateway_is_asked()
    {
        await using var node = await TestNode.RegisterAsync(fixture.Server, floor: 1);
        var (alice, bob) = (Ids.Next(), Ids.Next());
        var receiver = Grains.GetGrain<IUserGrain>((long)bob);

        var third = Send(receiver, alice, node.Order(index: 3, after: 2, floor: 1), "third");
        var second = Send(receiver, alice, node.Order(index: 2, after: 1, floor: 1), "second");

        // The gateway says 1 is still running: they keep waiting, whatever the runtime does meanwhile.
        await node.AskedAsync(times: 2);
        Assert.False(second.IsCompleted || third.IsCompleted, "a call started before its predecessor arrived");

        var first = await Send(receiver, alice, node.Order(index: 1, after: 0, floor: 1), "first");
        var (secondSeq, thirdSeq) = ((await second).SenderSeq, (await third).SenderSeq);
        Assert.Equal(new[] { 1UL, 2UL, 3UL }, new[] { first.SenderSeq, secondSeq, thirdSeq });
    }

    [Fact]
    public async Task A_call_whose_predecessor_finished_elsewhere_starts_once_its_gateway_says_so()
    {
        await using var node = await TestNode.RegisterAsync(fixture.Server, floor: 4);
        var (alice, bob) = (Ids.Next(), Ids.Next());
        var receiver = Grains.GetGrain<IUserGrain>((long)bob);

        // Index 4 went to an activation that is gone; this grain never sees it.
        var fifth = Send(receiver, alice, node.Order(index: 5, after: 4, floor: 4), "fifth");
        await node.AskedAsync(times: 1);
        Assert.False(fifth.IsCompleted, "started while its predecessor was still running");

        node.Floor = 5;
        var delivery = await fifth.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((0u, 1UL), (delivery.Code, delivery.SenderSeq));
    }

    [Fact]
    public async Task A_later_call_that_carries_a_higher_floor_releases_the_one_waiting()
    {
        await using var node = await TestNode.RegisterAsync(fixture.Server, floor: 1);
        var (alice, bob) = (Ids.Next(), Ids.Next());
        var receiver = Grains.GetGrain<IUserGrain>((long)bob);

        var waiting = Send(receiver, alice, node.Order(index: 8, after: 7, floor: 7), "eighth");

        // Sent after 7 finished (its floor says so), in another lane's chain: 8 may start too.
        var later = await Send(receiver, alice, node.Order(index: 9, after: 0, floor: 8), "ninth");
        var released = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0u, released.Code);
        Assert.NotEqual(released.SenderSeq, later.SenderSeq);
    }

    [Fact]
    public async Task A_call_from_a_gateway_that_is_gone_is_not_held_forever()
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        var receiver = Grains.GetGrain<IUserGrain>((long)bob);
        var order = new CallOrder(uint.MaxValue - (uint)(Ids.Next() % 1000), 1, 3, 2, 2);
        var delivery = await Send(receiver, alice, order, "orphan").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((0u, 1UL), (delivery.Code, delivery.SenderSeq));
    }

    private static Task<ChatDelivery> Send(IUserGrain receiver, ulong orig, CallOrder order, string text) =>
        receiver.ReceiveChat(orig, 0, Google.Protobuf.MessageExtensions.ToByteArray(new Chat { Orig = orig, Dest = 1, Level = 0, Time = 0, Text = text }), order);

    /// <summary>A gateway node registered in the cluster's directory whose answer to GetStreamFloor the test sets.</summary>
    private sealed class TestNode : IGatewayNode, IAsyncDisposable
    {
        private readonly IGrainFactory _grains;
        private readonly System.Threading.Channels.Channel<ulong> _asked = System.Threading.Channels.Channel.CreateUnbounded<ulong>();
        private readonly long _connection = (long)Ids.Next();
        private IGatewayNode _reference = null!;

        private TestNode(IGrainFactory grains, ulong floor)
        {
            _grains = grains;
            Floor = floor;
        }

        public uint Nid { get; } = 1_000_000 + (uint)(Ids.Next() % 1_000_000);

        public ulong Floor { get; set; }

        public static async Task<TestNode> RegisterAsync(ImServer server, ulong floor)
        {
            var grains = server.Services.GetRequiredService<IGrainFactory>();
            var node = new TestNode(grains, floor);
            node._reference = grains.CreateObjectReference<IGatewayNode>(node);
            var silo = server.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            await grains.GetGrain<IGatewayDirectoryGrain>(0).Register(new NodeRef(node.Nid, node._reference, silo));
            return node;
        }

        public CallOrder Order(ulong index, ulong after, ulong floor) => new(Nid, _connection, index, after, floor);

        /// <summary>Completes once the node was asked for the connection's floor <paramref name="times"/> times.</summary>
        public async Task AskedAsync(int times)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            for (int i = 0; i < times; i++)
            {
                await _asked.Reader.ReadAsync(timeout.Token);
            }
        }

        public Task<ulong> GetStreamFloor(long connectionId)
        {
            Assert.Equal(_connection, connectionId);
            var floor = Floor;
            _asked.Writer.TryWrite(floor);
            return Task.FromResult(floor);
        }

        public Task Kick(long connectionId, uint code) => Task.CompletedTask;

        public Task Deliver(byte[] frame, long[] connectionIds, uint pushClass, PushOrder order) => Task.CompletedTask;

        public Task DeliverToUsers(byte[] frame, ulong[] uids, long exceptConnectionId, uint pushClass, PushOrder order) => Task.CompletedTask;

        public Task<ulong[]> FindLocalUsers(ulong[] uids) => Task.FromResult(Array.Empty<ulong>());

        public Task DeliverToRoom(ulong rid, uint bucket, byte[] frame, long exceptConnectionId, uint pushClass, PushOrder order) => Task.CompletedTask;

        public Task RemoveFromRoom(ulong rid, long[] connectionIds, byte[] frame, PushOrder order) => Task.CompletedTask;

        public Task DeliverToAll(byte[] frame) => Task.CompletedTask;

        public Task<NodeStats> GetStats() => Task.FromResult(new NodeStats(Nid, 0, 0, 0));

        public async ValueTask DisposeAsync()
        {
            await _grains.GetGrain<IGatewayDirectoryGrain>(0).Unregister(Nid);
            _grains.DeleteObjectReference<IGatewayNode>(_reference);
        }
    }
}
