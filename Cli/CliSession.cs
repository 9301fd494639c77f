using System.Net.Http.Json;
using Google.Protobuf;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Cli;

/// <summary>
/// One logged-in session on the .NET SDK's <see cref="ChatClient"/> (which keeps the connection up, with heartbeats,
/// and reconnects): requests that throw on refusal, the rooms joined in this session, and the pushes that arrived.
/// </summary>
public sealed class CliSession : IAsyncDisposable
{
    private CliSession(ChatClient chat, ulong uid)
    {
        Chat = chat;
        Uid = uid;
    }

    public ChatClient Chat { get; }

    public ulong Uid { get; }

    /// <summary>The answer to the login (sid, inbox head, heartbeat).</summary>
    public OnlineAck Ack => Chat.LastLogin!;

    /// <summary>Whether the session is over (the server ended it, or it could not be restored).</summary>
    public bool Closed => Chat.State == ConnectionState.Closed;

    /// <summary>Rooms joined on this connection, with the bucket each one gave.</summary>
    public Dictionary<ulong, uint> Rooms { get; } = [];

    public static async Task<CliSession> OpenAsync(CliOptions options, HttpClient http)
    {
        var uid = options.Uid;
        var token = options.Token ?? await DevTokenAsync(http, uid);
        var where = options.Transport == "ws" ? $"ws://{options.Host}:{options.HttpPort}/im" : $"tcp://{options.Host}:{options.TcpPort}";
        var settings = new ChatClientOptions
        {
            Server = new Uri($"http://{options.Host}:{options.HttpPort}/"),
            Uid = uid,
            TokenProvider = _ => ValueTask.FromResult(token),
            Transport = options.Transport == "ws" ? ChatTransport.WebSocket : ChatTransport.Tcp,
            TcpHost = options.Host,
            TcpPort = options.TcpPort,
            Sid = options.OptionalId("sid") ?? 0,
            Terminal = 1,
            RequestTimeout = options.Timeout,
            SyncOnConnect = false,
            Subscriptions = [],
            FirstConnectAttempts = 1,
        };
        using var patience = new CancellationTokenSource(options.Timeout);
        try
        {
            return new CliSession(await ChatClient.ConnectAsync(settings, patience.Token), uid);
        }
        catch (ImException ex) when (ex.Code != 0)
        {
            throw new RefusedException("ONLINE", ex.Code, ex.Code == ResultCode.LoginFailed ? "the token is invalid, expired or for another user" : ex.ErrorMessage);
        }
        catch (Exception ex) when (ex is ImException or OperationCanceledException)
        {
            throw new ConnectionException($"cannot connect to {where}: {(ex is OperationCanceledException ? "no login within the timeout" : ex.InnerException?.Message ?? ex.Message)}", ex);
        }
    }

    /// <summary>A development token (servers in the Development environment mint one for any uid).</summary>
    public static async Task<string> DevTokenAsync(HttpClient http, ulong uid)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync($"/api/dev/token?uid={uid}");
        }
        catch (HttpRequestException ex)
        {
            throw new ConnectionException($"cannot reach {http.BaseAddress} for a development token: {ex.Message}", ex);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new UsageException($"no token given and {http.BaseAddress}api/dev/token answered {(int)response.StatusCode} " +
                "(only Development servers mint tokens there): pass --token or set IM_TOKEN");
        }

        var body = await response.Content.ReadFromJsonAsync<TokenResponse>();
        return body?.Token ?? throw new UsageException("the development token endpoint answered without a token");
    }

    private sealed record TokenResponse(string Token);

    /// <summary>Sends a request and returns its ACK; EXCEPT or a non-zero <c>code</c> throws <see cref="RefusedException"/>.</summary>
    /// <remarks>CHAT and GROUP-CHAT take the next message serial of the SDK unless <paramref name="serial"/> names one.</remarks>
    public async Task<T> AskAsync<T>(uint cmd, IMessage body, MessageParser<T> parser, ulong serial = 0) where T : IMessage<T>
    {
        ReceivedFrame frame;
        try
        {
            frame = await Chat.RequestAsync(cmd, body, serial);
        }
        catch (ImException ex)
        {
            throw new ConnectionException($"{CommandTable.NameOf(cmd)}: {ex.ErrorMessage}", ex);
        }

        if (frame.Type == Cmd.Except)
        {
            var except = frame.As(Except.Parser);
            throw new RefusedException(CommandTable.NameOf(cmd), except.Code, except.Errmsg);
        }

        var ack = frame.As(parser);
        var code = Replies.CodeOf(ack, out var errmsg);
        if (code != ResultCode.Ok)
        {
            throw new RefusedException(CommandTable.NameOf(cmd), code, errmsg);
        }

        return ack;
    }

    /// <summary>A fresh message id from ALLOC-SEQ (unique across this user's devices), so the CLI can show and reuse it.</summary>
    public async Task<ulong> NewSerialAsync()
    {
        var ack = await AskAsync(Cmd.AllocSeq, new AllocSeq { Uid = Uid, Num = 1 }, AllocSeqAck.Parser);
        return ack.Seq + 1;
    }

    /// <summary>Sends this SYNC; the frames it replayed are among the pushes (<see cref="TryNextPush"/>) when it returns.</summary>
    public async Task<SyncAck> SyncAsync(Sync request)
    {
        SyncAck ack;
        try
        {
            ack = await Chat.SyncAsync(request);
        }
        catch (ImException ex) when (ex.Code != 0)
        {
            throw new RefusedException("SYNC", ex.Code, ex.ErrorMessage);
        }
        catch (Exception ex) when (ex is ImException or TimeoutException or OperationCanceledException)
        {
            throw new ConnectionException($"SYNC: {ex.Message}", ex);
        }

        return ack;
    }

    /// <summary>Joins a room once per connection (rooms keep sessions, not users).</summary>
    public async Task<uint> EnsureInRoomAsync(ulong rid)
    {
        if (Rooms.TryGetValue(rid, out var bucket))
        {
            return bucket;
        }

        var ack = await AskAsync(Cmd.RoomJoin, new RoomJoin { Uid = Uid, Rid = rid }, RoomJoinAck.Parser);
        Rooms[rid] = ack.Gid;
        return ack.Gid;
    }

    /// <summary>A push that already arrived, without waiting.</summary>
    public bool TryNextPush([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ReceivedFrame? frame)
    {
        while (Chat.Events.TryRead(out var e))
        {
            if (e.Frame is { } f)
            {
                frame = f;
                return true;
            }
        }

        frame = null;
        return false;
    }

    /// <summary>Waits for the next push; null when the session closed or <paramref name="timeout"/> passed.</summary>
    public async Task<ReceivedFrame?> NextPushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            waiting.CancelAfter(timeout);
        }

        try
        {
            while (true)
            {
                var e = await Chat.Events.ReadAsync(waiting.Token);
                if (e.Frame is { } frame)
                {
                    return frame;
                }
            }
        }
        catch (Exception ex) when (ex is System.Threading.Channels.ChannelClosedException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Logs out (OFFLINE) and closes.</summary>
    public ValueTask DisposeAsync() => Chat.DisposeAsync();
}
