using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIm.Gateway.Auth;
using OrleansIm.Gateway.Pipeline;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Gateway.Commands;

/// <summary>Login and connection upkeep: ONLINE, OFFLINE, PING, SUB, UNSUB and the accepted-and-ignored ACKs.</summary>
public sealed partial class SessionCommands(
    TokenService tokens,
    IGrainFactory grains,
    GatewayNode node,
    IOptions<GatewayOptions> options,
    Admission admission,
    [FromKeyedServices(ImClock.Key)] TimeProvider time,
    ILogger<SessionCommands> logger) : ICommandModule
{
    private const int MaxSidAllocationAttempts = 8;

    public void Register(CommandRouter router)
    {
        router.On<Online>(Cmd.Online, Cmd.OnlineAck, static _ => Lane.Self, (r, code) => OnlineAck(r, r.Sid, code), OnOnlineAsync);
        router.OnEmpty(Cmd.Offline, OnOffline);
        router.OnEmpty(Cmd.Ping, (c, h) => { c.Reply(h, Cmd.Pong, null); return default; });
        router.On<Sub>(Cmd.Sub, Cmd.SubAck, static _ => Lane.Self, (r, code) => SubAck(r.Sub_, code), OnSub);
        router.On<Unsub>(Cmd.Unsub, Cmd.UnsubAck, static _ => Lane.Self, (r, code) => UnsubAck(r.Sub, code), OnUnsub);
        router.OnEmpty(Cmd.ExceptAck, static (_, _) => default);
        router.OnEmpty(Cmd.KickAck, static (_, _) => default);
    }

    private async ValueTask OnOnlineAsync(ImConnection connection, FrameHeader header, Online request)
    {
        var arrived = time.GetTimestamp();
        if (connection.Session is not null)
        {
            connection.Reply(header, Cmd.OnlineAck, OnlineAck(request, request.Sid, ResultCode.IllegalRequest));
            return;
        }

        if (node.IsStopping)
        {
            connection.Reply(header, Cmd.OnlineAck, OnlineAck(request, request.Sid, ResultCode.Unavailable));
            connection.Close();
            return;
        }

        if (!admission.TryLogin(connection.RemoteIp))
        {
            connection.Reply(header, Cmd.OnlineAck, OnlineAck(request, request.Sid, ResultCode.RateLimited));
            connection.Close();
            return;
        }

        if (request.Terminal > 3)
        {
            connection.Reply(header, Cmd.OnlineAck, OnlineAck(request, request.Sid, ResultCode.InvalidParameter));
            return;
        }

        if (!await admission.EnterLoginAsync())
        {
            LogLoginShed(logger, connection.Id, request.Uid);
            connection.Reply(header, Cmd.OnlineAck, OnlineAck(request, request.Sid, ResultCode.Unavailable));
            connection.Close();
            return;
        }

        try
        {
            await LoginAsync(connection, header, request, arrived);
        }
        finally
        {
            admission.LeaveLogin();
        }
    }

    private async Task LoginAsync(ImConnection connection, FrameHeader header, Online request, long arrived)
    {
        var claims = await tokens.ValidateAsync(request.Token);
        var login = new LoginAttempt(connection, arrived, options.Value.LoginRetryTime, time, logger);
        var sid = await ResolveSidAsync(request, claims, login);
        if (claims is null || sid == 0)
        {
            LogLoginRefused(logger, connection.Id, request.Uid, request.Sid);
            connection.Reply(header, Cmd.OnlineAck, OnlineAck(request, request.Sid, ResultCode.LoginFailed));
            connection.Close();
            return;
        }

        var user = grains.GetGrain<IUserGrain>((long)request.Uid);
        var session = new SessionInfo(sid, node.AddressOf(connection), request.Terminal);
        var result = await login.RunAsync(() => user.Online(session));

        // Bound only after the user grain knows the session: the read loop awaits this handler, so the connection
        // cannot close in between and leave the grain with a session the node never ends.
        connection.BeginSession(new ConnectionSession(request.Uid, sid, claims.Role, request.Terminal));
        node.Registry.IndexSession(connection);

        var ack = OnlineAck(request, sid, ResultCode.Ok);
        ack.Seq = result.InboxSeq;
        ack.Heartbeat = (uint)options.Value.HeartbeatSeconds;
        connection.Reply(header, Cmd.OnlineAck, ack);
        LogLoggedIn(logger, connection.Id, connection.TransportName, request.Uid, sid);
    }

    /// <summary>The sid this login may use, or 0 when the token or the sid's owner says no.</summary>
    private async Task<ulong> ResolveSidAsync(Online request, TokenClaims? claims, LoginAttempt login)
    {
        if (claims is null || claims.Uid != request.Uid)
        {
            return 0;
        }

        var sid = request.Sid;
        if (claims.Sid is { } bound)
        {
            if (sid != 0 && sid != bound)
            {
                return 0;
            }

            sid = bound;
        }

        if (sid != 0)
        {
            var owner = grains.GetGrain<ISidGrain>((long)sid);
            return await login.RunAsync(() => owner.TryBind(request.Uid)) ? sid : 0;
        }

        // A fresh device id; one a client picked for itself may already hold the number, so try the next.
        for (int attempt = 0; attempt < MaxSidAllocationAttempts; attempt++)
        {
            var allocator = grains.GetGrain<IIdAllocatorGrain>(IdKinds.Sid);
            var candidate = await login.RunAsync(() => allocator.Next());
            var owner = grains.GetGrain<ISidGrain>((long)candidate);
            if (await login.RunAsync(() => owner.TryBind(request.Uid)))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("no free sid after several allocations");
    }

    private static ValueTask OnOffline(ImConnection connection, FrameHeader header)
    {
        connection.Reply(header, Cmd.OfflineAck, null);
        connection.Close();
        return default;
    }

    private async ValueTask OnSub(ImConnection connection, FrameHeader header, Sub request)
    {
        if (!request.HasSub_ || PushClasses.BitOf(request.Sub_) == 0)
        {
            connection.Reply(header, Cmd.SubAck, SubAck(request.Sub_, ResultCode.InvalidParameter));
            return;
        }

        connection.Session!.Subscribe(request.Sub_);
        connection.Reply(header, Cmd.SubAck, SubAck(request.Sub_, ResultCode.Ok));
        if (request.Sub_ == Cmd.OnlineNtc)
        {
            await SendPresenceSnapshotAsync(connection);
        }
    }

    /// <summary>
    /// Right after a session subscribes to presence: an ONLINE-NTC for each friend online now, so that it does not
    /// start blind (later changes come as they happen).
    /// </summary>
    private async Task SendPresenceSnapshotAsync(ImConnection connection)
    {
        var friends = (await grains.GetGrain<IUserGrain>((long)connection.Session!.Uid).GetContacts()).Friends;
        var presences = await Task.WhenAll(friends.Select(friend => grains.GetGrain<IUserGrain>((long)friend).GetPresence()));
        for (int i = 0; i < friends.Length; i++)
        {
            if (presences[i].Online)
            {
                connection.Post(OutboundFrame.Message(Cmd.OnlineNtc, 0, new OnlineNtc { Uid = friends[i], Terminal = presences[i].Terminal }));
            }
        }
    }

    private static ValueTask OnUnsub(ImConnection connection, FrameHeader header, Unsub request)
    {
        if (PushClasses.BitOf(request.Sub) == 0)
        {
            connection.Reply(header, Cmd.UnsubAck, UnsubAck(request.Sub, ResultCode.InvalidParameter));
            return default;
        }

        connection.Session!.Unsubscribe(request.Sub);
        connection.Reply(header, Cmd.UnsubAck, UnsubAck(request.Sub, ResultCode.Ok));
        return default;
    }

    /// <summary>
    /// The grain calls of one login, each repeated while its silo cannot be reached (a silo that died and is not yet
    /// declared dead), until <see cref="GatewayOptions.LoginRetryTime"/> after the ONLINE arrived and while the client is still
    /// connected. Each call is safe to repeat: binding a sid to the same uid again, registering the same session again,
    /// or allocating another sid number.
    /// </summary>
    private sealed class LoginAttempt(ImConnection connection, long arrived, TimeSpan budget, TimeProvider time, ILogger logger)
    {
        public Task<T> RunAsync<T>(Func<Task<T>> call) => ClusterRetry.RunAsync(
            call,
            () => !connection.IsClosing,
            time,
            arrived,
            budget,
            (ex, attempt) => LogLoginRetry(logger, connection.Id, attempt, ex.GetType().Name));
    }

    private static OnlineAck OnlineAck(Online request, ulong sid, uint code)
    {
        var ack = new OnlineAck
        {
            Uid = request.Uid,
            Sid = sid,
            App = request.App,
            Version = request.Version,
            Code = code,
            Errmsg = ResultCode.Message(code),
        };
        if (request.HasTerminal)
        {
            ack.Terminal = request.Terminal;
        }

        return ack;
    }

    private static SubAck SubAck(uint sub, uint code) => new() { Sub = sub, Code = code, Errmsg = ResultCode.Message(code) };

    private static UnsubAck UnsubAck(uint sub, uint code) => new() { Sub = sub, Code = code, Errmsg = ResultCode.Message(code) };

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Connection {ConnectionId} ({Transport}): uid {Uid} online as sid {Sid}")]
    private static partial void LogLoggedIn(ILogger logger, long connectionId, string transport, ulong uid, ulong sid);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Connection {ConnectionId}: login of uid {Uid} refused with 10002: every login slot stayed busy")]
    private static partial void LogLoginShed(ILogger logger, long connectionId, ulong uid);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: login call {Attempt} could not reach a silo ({Failure}); trying again")]
    private static partial void LogLoginRetry(ILogger logger, long connectionId, int attempt, string failure);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Connection {ConnectionId}: login refused for uid {Uid} sid {Sid}")]
    private static partial void LogLoginRefused(ILogger logger, long connectionId, ulong uid, ulong sid);
}
