using System.Net.Http.Json;
using Google.Protobuf;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Cli;

/// <summary>
/// One logged-in connection (TCP or WebSocket) on the Client library: requests that throw on refusal, heartbeat
/// PINGs, the rooms joined in this session, and the pushes that arrived.
/// </summary>
public sealed class CliSession : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _heartbeat = Task.CompletedTask;

    private CliSession(ImClient client, ulong uid, OnlineAck ack)
    {
        Client = client;
        Uid = uid;
        Ack = ack;
    }

    public ImClient Client { get; }

    public ulong Uid { get; }

    public OnlineAck Ack { get; }

    /// <summary>Rooms joined on this connection, with the bucket each one gave.</summary>
    public Dictionary<ulong, uint> Rooms { get; } = [];

    public static async Task<CliSession> OpenAsync(CliOptions options, HttpClient http)
    {
        var uid = options.Uid;
        var token = options.Token ?? await DevTokenAsync(http, uid);
        ImClient client;
        try
        {
            client = options.Transport == "ws"
                ? await ImClient.ConnectWebSocketAsync(new Uri($"ws://{options.Host}:{options.HttpPort}/im"))
                : await ImClient.ConnectTcpAsync(options.Host, options.TcpPort);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException or IOException)
        {
            var where = options.Transport == "ws" ? $"ws://{options.Host}:{options.HttpPort}/im" : $"tcp://{options.Host}:{options.TcpPort}";
            throw new ConnectionException($"cannot connect to {where}: {ex.Message}", ex);
        }

        client.DefaultTimeout = options.Timeout;
        OnlineAck ack;
        try
        {
            ack = await client.LoginAsync(uid, token, options.OptionalId("sid") ?? 0, terminal: 1);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or InvalidOperationException)
        {
            await client.DisposeAsync();
            throw new ConnectionException($"login got no answer: {ex.Message}", ex);
        }

        if (ack.Code != ResultCode.Ok)
        {
            await client.DisposeAsync();
            throw new RefusedException("ONLINE", ack.Code, ack.Code == ResultCode.LoginFailed
                ? "the token is invalid, expired or for another user"
                : ack.Errmsg);
        }

        var session = new CliSession(client, uid, ack);
        session._heartbeat = session.HeartbeatAsync(TimeSpan.FromSeconds(Math.Max(1, ack.Heartbeat == 0 ? 30 : ack.Heartbeat) / 2.0));
        return session;
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
    public async Task<T> AskAsync<T>(uint cmd, IMessage body, MessageParser<T> parser, ulong serial = 0) where T : IMessage<T>
    {
        ReceivedFrame frame;
        try
        {
            frame = await Client.RequestAsync(cmd, body, serial);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            throw new ConnectionException($"{CommandTable.NameOf(cmd)}: {(ex is TimeoutException ? "no answer in time" : "the connection closed")}", ex);
        }

        if (frame.Type == Cmd.Except)
        {
            var except = frame.As(Except.Parser);
            throw new RefusedException(CommandTable.NameOf(cmd), except.Code, except.Errmsg);
        }

        var ack = frame.As(parser);
        if (ack.Descriptor.FindFieldByName("code")?.Accessor.GetValue(ack) is uint code && code != ResultCode.Ok)
        {
            var errmsg = ack.Descriptor.FindFieldByName("errmsg")?.Accessor.GetValue(ack) as string;
            throw new RefusedException(CommandTable.NameOf(cmd), code, string.IsNullOrEmpty(errmsg) ? ResultCode.Message(code) : errmsg);
        }

        return ack;
    }

    /// <summary>A fresh message id from ALLOC-SEQ (unique across this user's devices), for CHAT and GROUP-CHAT.</summary>
    public async Task<ulong> NewSerialAsync()
    {
        var ack = await AskAsync(Cmd.AllocSeq, new AllocSeq { Uid = Uid, Num = 1 }, AllocSeqAck.Parser);
        return ack.Seq + 1;
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

    /// <summary>Waits for the next push; null when the connection closed or <paramref name="timeout"/> passed.</summary>
    public async Task<ReceivedFrame?> NextPushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await Client.ReceiveAsync(timeout).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or System.Threading.Channels.ChannelClosedException or OperationCanceledException)
        {
            return null;
        }
    }

    private async Task HeartbeatAsync(TimeSpan period)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await Client.SendAsync(Cmd.Ping, null);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException)
        {
            // Stopped, or the connection is gone (the caller sees it on its next request).
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _heartbeat;
        if (!Client.Closed.IsCompleted)
        {
            try
            {
                await Client.RequestAsync(Cmd.Offline, null, timeout: TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectDisposedException or OperationCanceledException)
            {
                // Closing anyway.
            }
        }

        await Client.DisposeAsync();
        _stop.Dispose();
    }
}
