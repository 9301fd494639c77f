using System.Buffers;
using System.IO.Pipelines;
using System.Reflection;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Gateway.Commands;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Gateway.Transport;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

/// <summary>
/// The rule every ordered handler (CommandRouter.OnOrdered) lives by: its grain call, carrying the CallOrder it was
/// given, is made before its first await, so requests issued back to back reach their grain in that order. Each
/// ordered handler of a running gateway is run against a grain layer that records calls and never answers: when the
/// handler yields, its call must already be recorded.
/// </summary>
public sealed class OrderedHandlerTests : IAsyncLifetime
{
    private const ulong Uid = 4242;
    private readonly RecordingGrains _grains = new();
    private ImServer _server = null!;

    /// <summary>A valid request from <see cref="Uid"/> for every ordered command; a new one needs an entry here.</summary>
    private static readonly Dictionary<uint, IMessage> Samples = new()
    {
        [Cmd.Chat] = new Chat { Orig = Uid, Dest = 77, Level = 0, Time = 1, Text = "hi" },
        [Cmd.GroupChat] = new GroupChat { Uid = Uid, Gid = 88, Level = 0, Time = 1, Text = "hi" },
        [Cmd.RoomChat] = new RoomChat { Uid = Uid, Rid = 99, Gid = 1, Level = 0, Time = 1, Text = "hi" },
    };

    public async Task InitializeAsync() =>
        _server = await ImServer.StartAsync(replace: services => services.AddSingleton<IGrainRefs>(_grains));

    public Task DisposeAsync() => _server.StopAsync();

    [Fact]
    public void Every_ordered_command_has_a_sample_request()
    {
        var router = _server.Services.GetRequiredService<CommandRouter>();
        Assert.NotEmpty(router.OrderedCommands);
        Assert.All(router.OrderedCommands, cmd => Assert.True(Samples.ContainsKey(cmd), $"no sample request for ordered command 0x{cmd:X4}"));
    }

    [Fact]
    public void Every_ordered_handler_calls_its_grain_with_its_order_before_it_first_awaits()
    {
        var services = _server.Services.GetRequiredService<ConnectionServices>();
        var input = new Pipe();
        var output = new Pipe();
        var connection = new ImConnection(new PipeFrameTransport(new DuplexPipe(input.Reader, output.Writer), "memory", () => { }), services);
        connection.BeginSession(new ConnectionSession(Uid, 1, "user", 0));

        ulong index = 10;
        foreach (var cmd in services.Router.OrderedCommands)
        {
            var order = new CallOrder(services.Node.Nid, connection.Id, ++index, index - 1, index - 1);
            var request = services.Router.Prepare(connection, Parse(FrameWriter.Encode(cmd, FrameHeader.FlagUser, 0, 0, index, Samples[cmd])));
            Assert.NotNull(request);

            // The grain layer never answers: RunAsync returns at the handler's first await that does not complete.
            var running = request.RunAsync(order);
            Assert.False(running.IsCompleted, $"the handler of 0x{cmd:X4} finished without calling a grain");
            Assert.Single(_grains.Calls, c => c.Order == order);
        }
    }

    private static Frame Parse(byte[] bytes)
    {
        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.True(new FrameReader(64 * 1024).TryRead(ref sequence, out var frame));
        return frame;
    }

    /// <summary>User, group and room grains that record every call and leave it unanswered.</summary>
    private sealed class RecordingGrains : IGrainRefs
    {
        private readonly List<(string Method, object?[] Arguments, CallOrder? Order)> _calls = [];

        public IReadOnlyList<(string Method, object?[] Arguments, CallOrder? Order)> Calls
        {
            get
            {
                lock (_calls)
                {
                    return [.. _calls];
                }
            }
        }

        public IUserGrain User(ulong uid) => Recorder.Create<IUserGrain>(this);

        public IGroupGrain Group(ulong gid) => Recorder.Create<IGroupGrain>(this);

        public IRoomGrain Room(ulong rid) => Recorder.Create<IRoomGrain>(this);

        public void Record(string method, object?[] arguments)
        {
            lock (_calls)
            {
                // The order is an argument of its own, or that of a batch of CHATs (a batch of one carries the message's).
                var order = arguments.OfType<CallOrder>().Concat(arguments.OfType<ChatBatch>().Select(b => b.Order)).Cast<CallOrder?>().FirstOrDefault();
                _calls.Add((method, arguments, order));
            }
        }
    }

    /// <summary>A grain reference stand-in: records the call and returns a task that never completes.</summary>
    public class Recorder : DispatchProxy
    {
        private RecordingGrains _owner = null!;

        internal static T Create<T>(object owner)
            where T : class
        {
            var proxy = Create<T, Recorder>();
            ((Recorder)(object)proxy)._owner = (RecordingGrains)owner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            _owner.Record(targetMethod!.Name, args ?? []);
            var returns = targetMethod.ReturnType;
            if (returns == typeof(Task))
            {
                return new TaskCompletionSource().Task;
            }

            if (returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(Task<>))
            {
                var source = Activator.CreateInstance(typeof(TaskCompletionSource<>).MakeGenericType(returns.GenericTypeArguments[0]))!;
                return source.GetType().GetProperty("Task")!.GetValue(source);
            }

            throw new NotSupportedException(targetMethod.Name);
        }
    }
}
