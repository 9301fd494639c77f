using Google.Protobuf;
using Microsoft.Extensions.Logging;
using OrleansIm.Gateway.Pipeline;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Commands;

/// <summary>
/// Turns a frame into a handler call: the login gate, body parsing (20005 when unparseable or a required field is
/// missing), the per-connection rate limit (10023), unknown commands (10012), and internal failures (10001).
/// Every request gets exactly one reply: its ACK when it has one, EXCEPT otherwise.
/// </summary>
public sealed partial class CommandRouter
{
    private readonly Dictionary<uint, Route> _routes = [];
    private readonly HashSet<uint> _ordered = [];
    private readonly ILogger<CommandRouter> _logger;
    private readonly Diagnostics.ImMetrics _metrics;

    public CommandRouter(IEnumerable<ICommandModule> modules, Diagnostics.ImMetrics metrics, ILogger<CommandRouter> logger)
    {
        _logger = logger;
        _metrics = metrics;
        foreach (var module in modules)
        {
            module.Register(this);
        }
    }

    /// <summary>
    /// Registers a command with a body, acting on <paramref name="lane"/> (its requests take effect in send order with
    /// the connection's other requests of that lane, one at a time). <paramref name="errorAck"/> builds the ACK
    /// (command <paramref name="ackCmd"/>) that carries a refusal code; null means refusals go out as EXCEPT.
    /// </summary>
    public void On<TRequest>(uint cmd, uint ackCmd, Func<TRequest, Lane> lane, Func<TRequest, uint, IMessage>? errorAck, Func<ImConnection, FrameHeader, TRequest, ValueTask> handler)
        where TRequest : class, IMessage<TRequest>, new()
        => Add(cmd, new MessageRoute<TRequest>(this, ackCmd, lane, errorAck, (c, h, r, _) => handler(c, h, r), ordered: false));

    /// <summary>
    /// Registers an ordered command: consecutive requests of it in one lane are issued back to back, without waiting
    /// for each other's reply. Its handler must make its one grain call, passing the <see cref="CallOrder"/> it is
    /// given, before its first await (a test runs every ordered handler to hold it to that), so that the target grain
    /// can start the requests in the order they were sent.
    /// </summary>
    public void OnOrdered<TRequest>(uint cmd, uint ackCmd, Func<TRequest, Lane> lane, Func<TRequest, uint, IMessage>? errorAck, Func<ImConnection, FrameHeader, TRequest, CallOrder, ValueTask> handler)
        where TRequest : class, IMessage<TRequest>, new()
    {
        Add(cmd, new MessageRoute<TRequest>(this, ackCmd, lane, errorAck, handler, ordered: true));
        _ordered.Add(cmd);
    }

    /// <summary>Registers a command without a body (any body sent is ignored), in the caller's own lane.</summary>
    public void OnEmpty(uint cmd, Func<ImConnection, FrameHeader, ValueTask> handler)
        => Add(cmd, new EmptyRoute(this, handler));

    /// <summary>The commands registered with <see cref="OnOrdered"/>.</summary>
    public IReadOnlyCollection<uint> OrderedCommands => _ordered;

    private void Add(uint cmd, Route route)
    {
        if (!_routes.TryAdd(cmd, route))
        {
            throw new InvalidOperationException($"command 0x{cmd:X4} is registered twice");
        }
    }

    /// <summary>Runs a request at once (the login gate, ONLINE, OFFLINE): the caller awaits it before reading on.</summary>
    public ValueTask DispatchAsync(ImConnection connection, in Frame frame) =>
        Prepare(connection, frame) is { } request ? request.RunAsync(CallOrder.None) : default;

    /// <summary>
    /// Checks and parses a frame. Null when it was answered right away (refused, malformed, rate limited, before
    /// login); otherwise the request to run in its lane. Runs on the read loop: the frame's bytes are only valid here.
    /// </summary>
    public PendingRequest? Prepare(ImConnection connection, in Frame frame)
    {
        var header = frame.Header;
        if (connection.Session is null && header.Type is not (Cmd.Online or Cmd.Ping))
        {
            connection.SendExcept(ResultCode.IllegalRequest, header.Type, header.Serial);
            connection.Close();
            return null;
        }

        if (!_routes.TryGetValue(header.Type, out var route))
        {
            LogUnknownCommand(_logger, connection.Id, header.Type);
            connection.SendExcept(ResultCode.IllegalRequest, header.Type, header.Serial);
            return null;
        }

        return route.Prepare(connection, frame);
    }

    private abstract class Route
    {
        public abstract PendingRequest? Prepare(ImConnection connection, in Frame frame);
    }

    private sealed class EmptyRoute(CommandRouter router, Func<ImConnection, FrameHeader, ValueTask> handler) : Route
    {
        public override PendingRequest? Prepare(ImConnection connection, in Frame frame)
        {
            var header = frame.Header;
            if (!connection.TryTakeRequestToken())
            {
                connection.SendExcept(ResultCode.RateLimited, header.Type, header.Serial);
                return null;
            }

            return new Request(this, connection, header);
        }

        private sealed class Request(EmptyRoute route, ImConnection connection, FrameHeader header) : PendingRequest(Lane.Self, 0)
        {
            public override ValueTask RunAsync(CallOrder order) => route.Run(connection, header);
        }

        private async ValueTask Run(ImConnection connection, FrameHeader header)
        {
            var started = router._metrics.SampleRequest() ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            try
            {
                await handler(connection, header);
                if (started != 0)
                {
                    router._metrics.Handled(header.Type, started);
                }

            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogHandlerFailed(router._logger, ex, CommandTable.NameOf(header.Type), connection.Id);
                connection.SendExcept(ResultCode.Internal, header.Type, header.Serial);
            }
        }
    }

    private sealed class MessageRoute<TRequest>(
        CommandRouter router,
        uint ackCmd,
        Func<TRequest, Lane> lane,
        Func<TRequest, uint, IMessage>? errorAck,
        Func<ImConnection, FrameHeader, TRequest, CallOrder, ValueTask> handler,
        bool ordered) : Route
        where TRequest : class, IMessage<TRequest>, new()
    {
        private static readonly MessageParser<TRequest> Parser = new(() => new TRequest());

        public override PendingRequest? Prepare(ImConnection connection, in Frame frame)
        {
            var header = frame.Header;
            TRequest request;
            try
            {
                request = Parser.ParseFrom(frame.Body);
            }
            catch (InvalidProtocolBufferException)
            {
                connection.SendExcept(ResultCode.BadBody, header.Type, header.Serial);
                return null;
            }

            // proto2 required fields are not enforced by the C# runtime.
            if (!RequiredFields.AreSet(request))
            {
                connection.SendExcept(ResultCode.BadBody, header.Type, header.Serial);
                return null;
            }

            if (!connection.TryTakeRequestToken())
            {
                Refuse(connection, header, request, ResultCode.RateLimited);
                return null;
            }

            return new Request(this, connection, header, request);
        }

        private sealed class Request(MessageRoute<TRequest> route, ImConnection connection, FrameHeader header, TRequest request)
            : PendingRequest(route._lane(request), route._ordered ? header.Type : 0)
        {
            public override ValueTask RunAsync(CallOrder order) => route.Run(connection, header, request, order);
        }

        private readonly bool _ordered = ordered;
        private readonly Func<TRequest, Lane> _lane = lane;

        private void Refuse(ImConnection connection, in FrameHeader header, TRequest request, uint code)
        {
            router._metrics.Error(code);
            if (errorAck is null)
            {
                connection.SendExcept(code, header.Type, header.Serial);
            }
            else
            {
                connection.Reply(header, ackCmd, errorAck(request, code));
            }
        }

        private async ValueTask Run(ImConnection connection, FrameHeader header, TRequest request, CallOrder order)
        {
            var started = router._metrics.SampleRequest() ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            try
            {
                await handler(connection, header, request, order);
                if (started != 0)
                {
                    router._metrics.Handled(header.Type, started);
                }

            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogHandlerFailed(router._logger, ex, CommandTable.NameOf(header.Type), connection.Id);
                Refuse(connection, header, request, ResultCode.Internal);
            }
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: unknown or client-forbidden command 0x{Cmd:X4}")]
    private static partial void LogUnknownCommand(ILogger logger, long connectionId, uint cmd);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "{Command} failed on connection {ConnectionId}")]
    private static partial void LogHandlerFailed(ILogger logger, Exception ex, string command, long connectionId);
}
