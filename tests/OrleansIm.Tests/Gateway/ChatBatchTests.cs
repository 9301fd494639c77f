using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Client;
using OrleansIm.Gateway.Commands;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

/// <summary>
/// CHATs that a session pipelines to one receiver go to the receiver's grain in batches (one call in flight per
/// receiver): fewer grain calls than messages, and still every message answered once, stored once per serial, in send
/// order on the receiver and on the sender's other devices.
/// </summary>
public sealed class ChatBatchTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly CountingRefs _refs = new();
    private ImServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await ImServer.StartAsync(
            new Dictionary<string, string?> { ["Gateway:RequestsPerSecond"] = "100000", ["Gateway:RequestBurst"] = "100000" },
            replace: services => services.AddSingleton<IGrainRefs>(sp => _refs.Wrap(new GrainRefs(sp.GetRequiredService<IGrainFactory>()))));

    public Task DisposeAsync() => _server.StopAsync();

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Pipelined_chats_go_in_fewer_calls_and_arrive_once_each_in_seq_order_on_every_device(string transport)
    {
        const int Count = 500;
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var sender = await _server.LoginAsync(transport, alice);
        await using var otherDevice = await _server.LoginAsync(transport, alice);
        await using var receiver = await _server.LoginAsync(transport, bob);
        var firstSerial = Ids.Next() * 100_000;

        // Message 301 repeats message 300's serial, as a client's retry would: it is answered with 300's seq and
        // stored once.
        ulong SerialOf(int i) => firstSerial + (ulong)(i == 301 ? 300 : i);
        int callsBefore = _refs.ReceiveChatsCalls;
        var acks = sender.ReceiveFramesAsync(Cmd.ChatAck, Count, Patience);
        for (int i = 1; i <= Count; i++)
        {
            await sender.SendAsync(Cmd.Chat, new Chat { Orig = alice, Dest = bob, Level = 0, Time = 1, Text = $"m{i}" }, SerialOf(i));
        }

        var answered = (await acks).Select(f => (f.Header.Serial, Ack: f.As(ChatAck.Parser))).ToList();
        Assert.All(answered, a => Assert.Equal(ResultCode.Ok, a.Ack.Code));
        var seqBySerial = answered.GroupBy(a => a.Serial).ToDictionary(g => g.Key, g => g.Select(a => a.Ack.Seq).Distinct().Single());
        Assert.Equal(2, answered.Count(a => a.Serial == SerialOf(300)));
        Assert.Equal(Enumerable.Range(1, Count - 1).Select(i => (ulong)i), Enumerable.Range(1, Count).Where(i => i != 301).Select(i => seqBySerial[SerialOf(i)]));

        var expected = Enumerable.Range(1, Count).Where(i => i != 301).Select(i => $"m{i}").ToList();
        Assert.Equal(expected, (await receiver.ReceiveFramesAsync(Cmd.Chat, Count - 1, Patience)).Select(f => f.As(Chat.Parser).Text));

        // The sender's other device gets each copy once with its seq; copies may come out of seq order (see
        // protocol.md, "Live delivery order"), so they are placed by seq, as a client does.
        var copies = await otherDevice.ReceiveFramesAsync(Cmd.Chat, Count - 1, Patience);
        Assert.Equal(Enumerable.Range(1, Count - 1).Select(i => (ulong)i), copies.Select(f => f.Header.Serial).Order());
        Assert.Equal(expected, copies.OrderBy(f => f.Header.Serial).Select(f => f.As(Chat.Parser).Text));

        // Batched: fewer calls to the receiver's grain than messages (one per message only if each was answered
        // before the next arrived, which 500 back to back never are).
        int calls = _refs.ReceiveChatsCalls - callsBefore;
        Assert.InRange(calls, 1, Count - 1);

        // Nothing more arrives, and SYNC from 0 replays the same 499 on both sides.
        Assert.Equal(expected, (await receiver.SyncAsync(seq: 0, timeout: Patience)).Frames.Where(f => f.Type == Cmd.Chat).Select(f => f.As(Chat.Parser).Text));
        Assert.Equal(expected, (await otherDevice.SyncAsync(seq: 0, timeout: Patience)).Frames.Where(f => f.Type == Cmd.Chat).Select(f => f.As(Chat.Parser).Text));
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Every_message_of_a_batch_from_a_blacklisted_sender_is_refused_with_20014(string transport)
    {
        const int Count = 100;
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var sender = await _server.LoginAsync(transport, alice);
        await using var receiver = await _server.LoginAsync(transport, bob);
        Assert.Equal(0u, await receiver.CodeOfAsync(Cmd.BlacklistAdd, new BlacklistAdd { Orig = bob, Dest = alice }));

        var acks = new List<Task<ReceivedFrame>>();
        for (int i = 1; i <= Count; i++)
        {
            acks.Add(await sender.SendRequestAsync(Cmd.Chat, new Chat { Orig = alice, Dest = bob, Level = 0, Time = 1, Text = $"m{i}" }, Ids.Next(), Patience));
        }

        Assert.All(await Task.WhenAll(acks), f => Assert.Equal((ResultCode.Blacklisted, 0ul), (f.As(ChatAck.Parser).Code, f.As(ChatAck.Parser).Seq)));
        Assert.Equal(0u, (await receiver.SyncAsync(seq: 0, timeout: Patience)).Ack.Count);
        Assert.Equal(0u, (await sender.SyncAsync(seq: 0, timeout: Patience)).Ack.Count);
    }

    /// <summary>The real grain references, with the user grains' batch calls counted.</summary>
    private sealed class CountingRefs
    {
        private int _receiveChats;

        public int ReceiveChatsCalls => Volatile.Read(ref _receiveChats);

        public IGrainRefs Wrap(IGrainRefs inner) => new Refs(this, inner);

        private sealed class Refs(CountingRefs owner, IGrainRefs inner) : IGrainRefs
        {
            public IUserGrain User(ulong uid)
            {
                var proxy = DispatchProxy.Create<IUserGrain, CountingUser>();
                ((CountingUser)(object)proxy).Set(owner, inner.User(uid));
                return proxy;
            }

            public IGroupGrain Group(ulong gid) => inner.Group(gid);

            public IRoomGrain Room(ulong rid) => inner.Room(rid);
        }

        public class CountingUser : DispatchProxy
        {
            private CountingRefs _owner = null!;
            private IUserGrain _inner = null!;

            internal void Set(CountingRefs owner, IUserGrain inner) => (_owner, _inner) = (owner, inner);

            protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
            {
                if (targetMethod!.Name == nameof(IUserGrain.ReceiveChats))
                {
                    Interlocked.Increment(ref _owner._receiveChats);
                }

                try
                {
                    return targetMethod.Invoke(_inner, args);
                }
                catch (TargetInvocationException ex) when (ex.InnerException is not null)
                {
                    throw ex.InnerException;
                }
            }
        }
    }
}
