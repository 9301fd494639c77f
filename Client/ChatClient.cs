using System.Net.Http.Json;
using System.Threading.Channels;
using Google.Protobuf;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Client;

/// <summary>
/// A resilient OrleansIm client for apps: typed calls (ChatClient.Commands.cs), pushed messages and notices as
/// <see cref="Events"/>, and a connection that mends itself. When the connection breaks it reconnects with jittered
/// backoff (optionally to another gateway from <c>/api/iplist</c>), logs in again with the same sid, resends the
/// CHAT and GROUP-CHAT requests not yet acknowledged with their original serials (the server stores a serial once)
/// in their original order, and SYNCs the inbox and every known group. Inbox and group entries are delivered once
/// each, in seq order: repeats are dropped, and an entry that arrives after a gap waits until SYNC fills it.
/// Thread-safe; every call takes a cancellation token.
/// </summary>
public sealed partial class ChatClient : IAsyncDisposable
{
    /// <summary>Serials of requests that are not messages start here, far above any ALLOC-SEQ block.</summary>
    private const ulong LocalSerialBase = 1UL << 62;

    private readonly ChatClientOptions _options;
    private readonly Channel<ChatEvent> _events = Channel.CreateUnbounded<ChatEvent>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Channel<Pending> _outgoing = Channel.CreateUnbounded<Pending>();
    private readonly SortedDictionary<long, Pending> _inFlight = [];
    private readonly object _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstLogin = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Sequencer _sequencer;
    private readonly Dictionary<ulong, TaskCompletionSource<SyncAck>> _syncs = [];
    private readonly HashSet<uint> _subscriptions;
    private Task _run = Task.CompletedTask;
    private ImClient? _connection;
    private int _connectionId;
    private long _order;
    private long _localSerial = (long)LocalSerialBase;
    private ulong _serialNext;
    private ulong _serialEnd;
    private ulong _sid;
    private bool _everConnected;
    private volatile bool _kicked;

    private ChatClient(ChatClientOptions options)
    {
        _options = options;
        _sid = options.Sid;
        _sequencer = new Sequencer(this);
        _subscriptions = [.. options.Subscriptions];
    }

    /// <summary>The logged-in user.</summary>
    public ulong Uid => _options.Uid;

    /// <summary>The session id, kept across reconnects.</summary>
    public ulong Sid => _sid;

    public ConnectionState State { get; private set; } = ConnectionState.Connecting;

    /// <summary>The server's answer to the latest login (sid, inbox head, heartbeat).</summary>
    public OnlineAck? LastLogin { get; private set; }

    /// <summary>Everything pushed, in order: messages (once each, by seq), notices, and connection changes.</summary>
    public ChannelReader<ChatEvent> Events => _events.Reader;

    /// <summary>The highest inbox seq delivered without gaps.</summary>
    public ulong InboxSeq => _sequencer.InboxSeq;

    /// <summary>
    /// Connects and logs in. Waits (reconnecting with backoff) until the first login succeeds, so bound it with
    /// <paramref name="cancellationToken"/>; throws <see cref="ImException"/> if the first login is refused (a bad token).
    /// </summary>
    public static async Task<ChatClient> ConnectAsync(ChatClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = new ChatClient(options);
        client._run = Task.Run(client.RunAsync, CancellationToken.None);
        try
        {
            await client._firstLogin.Task.WaitAsync(cancellationToken);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    /// <summary>Reads <see cref="Events"/> as an async stream.</summary>
    public IAsyncEnumerable<ChatEvent> ReadEventsAsync(CancellationToken cancellationToken = default) => _events.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Replays what this client has not seen: the inbox after <see cref="InboxSeq"/> and each known group after its seq.</summary>
    public async Task<SyncAck> SyncAsync(CancellationToken cancellationToken = default)
    {
        ImClient connection;
        lock (_lock)
        {
            connection = _connection ?? throw new ImException(Cmd.Sync, "not connected");
        }

        return await SyncOnAsync(connection, cancellationToken);
    }

    /// <summary>Logs out (OFFLINE, so the user's presence changes at once) and closes; pending requests fail.</summary>
    /// <summary>
    /// Any request by command id, for what the typed calls do not cover: returns the reply frame (its ACK, or EXCEPT)
    /// without judging its code. CHAT and GROUP-CHAT take the next message serial unless <paramref name="serial"/>
    /// names one, and are resent after a reconnect like <see cref="SendChatAsync"/>.
    /// </summary>
    public Task<ReceivedFrame> RequestAsync(uint cmd, IMessage? body, ulong serial = 0, CancellationToken cancellationToken = default)
    {
        var message = cmd is Cmd.Chat or Cmd.GroupChat;
        return RequestAsync(cmd, body, resend: message, messageSerial: message && serial == 0, cancellationToken, serial);
    }

    /// <summary>
    /// Sends this SYNC: the inbox after its seq and the groups after their cursors (positions it names are where this
    /// client's delivery starts again, so entries after them are delivered again). Returns its SYNC-ACK once every
    /// entry it replayed was delivered to <see cref="Events"/>.
    /// </summary>
    public async Task<SyncAck> SyncAsync(Sync request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ImClient connection;
        lock (_lock)
        {
            connection = _connection ?? throw new ImException(Cmd.Sync, "not connected");
        }

        return await SyncOnAsync(connection, cancellationToken, request: request);
    }

    /// <summary>Logs out (OFFLINE, so the user's presence changes at once) and closes; pending requests fail.</summary>
    public async ValueTask DisposeAsync()
    {
        ImClient? connection;
        lock (_lock)
        {
            connection = _connection;
        }

        if (connection is not null && !_stop.IsCancellationRequested)
        {
            try
            {
                await connection.RequestAsync(Cmd.Offline, null, (ulong)Interlocked.Increment(ref _localSerial), TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                // Closing anyway.
            }
        }

        _stop.Cancel();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    // ---- requests ----

    /// <summary>
    /// Sends a request and returns its reply. Requests go out in call order. <paramref name="resend"/>: if the
    /// connection breaks first, the request is sent again after the reconnect (with <paramref name="messageSerial"/>,
    /// the same ALLOC-SEQ serial every time); otherwise it fails with <see cref="ImException"/> (code 0).
    /// </summary>
    private async Task<ReceivedFrame> RequestAsync(uint cmd, IMessage? body, bool resend, bool messageSerial, CancellationToken cancellationToken, ulong serial = 0)
    {
        if (_stop.IsCancellationRequested || State == ConnectionState.Closed)
        {
            throw new ImException(cmd, "the client is closed");
        }

        var pending = new Pending(Interlocked.Increment(ref _order), cmd, body, resend, messageSerial)
        {
            Serial = serial != 0 ? serial : messageSerial ? 0 : (ulong)Interlocked.Increment(ref _localSerial),
        };
        lock (_lock)
        {
            _inFlight.Add(pending.Order, pending);
        }

        _outgoing.Writer.TryWrite(pending);
        using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                _inFlight.Remove(pending.Order);
            }

            pending.Reply.TrySetCanceled(cancellationToken);
        });
        var frame = await pending.Reply.Task;
        if (frame.Type == Cmd.Except)
        {
            var except = frame.As(Except.Parser);
            throw new ImException(cmd, except.Code, except.Errmsg);
        }

        return frame;
    }

    /// <summary>Sends the request on this connection (taking a message serial first if it needs one) and follows its reply.</summary>
    private async Task SendOnAsync(ImClient connection, int connectionId, Pending pending)
    {
        if (pending.Reply.Task.IsCompleted || pending.SentOn == connectionId)
        {
            return;
        }

        if (pending.MessageSerial && pending.Serial == 0)
        {
            pending.Serial = await NextMessageSerialAsync(connection);
        }

        pending.SentOn = connectionId;
        var reply = await connection.SendRequestAsync(pending.Cmd, pending.Body, pending.Serial, _options.RequestTimeout);
        _ = reply.ContinueWith(t => Answered(connection, pending, t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Answered(ImClient connection, Pending pending, Task<ReceivedFrame> reply)
    {
        if (reply.IsCompletedSuccessfully)
        {
            lock (_lock)
            {
                _inFlight.Remove(pending.Order);
            }

            pending.Reply.TrySetResult(reply.Result);
            return;
        }

        if (reply.Exception?.InnerException is TimeoutException)
        {
            // No answer in time: take the connection as broken; the reconnect resends or fails it.
            _ = connection.DisposeAsync().AsTask();
        }
    }

    /// <summary>The next serial of this user's ALLOC-SEQ block, reserving a new block when it is used up.</summary>
    private async Task<ulong> NextMessageSerialAsync(ImClient connection)
    {
        if (_serialNext == 0 || _serialNext > _serialEnd)
        {
            var frame = await connection.RequestAsync(Cmd.AllocSeq, new AllocSeq { Uid = Uid, Num = _options.SerialBlock },
                (ulong)Interlocked.Increment(ref _localSerial), _options.RequestTimeout);
            var ack = frame.As(AllocSeqAck.Parser);
            if (ack.Code != ResultCode.Ok)
            {
                throw new ImException(Cmd.AllocSeq, ack.Code, ack.Errmsg);
            }

            (_serialNext, _serialEnd) = (ack.Seq + 1, ack.Seq + ack.Num);
        }

        return _serialNext++;
    }

    // ---- the connection ----

    private async Task RunAsync()
    {
        var stop = _stop.Token;
        var attempt = 0;
        var firstAttempts = 0;
        Exception? error = null;
        while (!stop.IsCancellationRequested && !_kicked)
        {
            ImClient? connection = null;
            var connectionId = Interlocked.Increment(ref _connectionId);
            try
            {
                SetState(_everConnected ? ConnectionState.Reconnecting : ConnectionState.Connecting, error);
                connection = await OpenAsync(stop);
                var token = await _options.TokenProvider(stop);
                var login = await connection.LoginAsync(Uid, token, _sid, _options.Terminal, _options.RequestTimeout);
                if (login.Code != ResultCode.Ok)
                {
                    var refused = new ImException(Cmd.Online, login.Code, login.Errmsg);
                    if (!_everConnected)
                    {
                        _firstLogin.TrySetException(refused);
                        break;
                    }

                    throw refused;
                }

                _sid = login.Sid;
                LastLogin = login;
                attempt = 0;
                error = null;
                await ServeAsync(connection, connectionId, login, stop);
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                error = ex;
                if (!_everConnected && _options.FirstConnectAttempts > 0 && ++firstAttempts >= _options.FirstConnectAttempts)
                {
                    _firstLogin.TrySetException(ex as ImException ?? new ImException(Cmd.Online, ex.Message, ex));
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                lock (_lock)
                {
                    _connection = null;
                }

                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }

                FailUnresendable(connectionId);
                _sequencer.ConnectionLost();
            }

            if (stop.IsCancellationRequested || _kicked || _firstLogin.Task.IsFaulted)
            {
                break;
            }

            SetState(ConnectionState.Reconnecting, error);
            try
            {
                await Task.Delay(Backoff(attempt++), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        Close(error);
    }

    /// <summary>One logged-in connection: resend, then serve requests, pushes and heartbeats until it closes.</summary>
    private async Task ServeAsync(ImClient connection, int connectionId, OnlineAck login, CancellationToken stop)
    {
        using var serving = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var pushes = Task.Run(() => ReadPushesAsync(connection, serving.Token), CancellationToken.None);

        // What was in flight goes first, in its original order, before anything new.
        List<Pending> resend;
        lock (_lock)
        {
            resend = [.. _inFlight.Values];
        }

        foreach (var pending in resend)
        {
            await SendOnAsync(connection, connectionId, pending);
        }

        uint[] subscriptions;
        lock (_subscriptions)
        {
            subscriptions = [.. _subscriptions];
        }

        foreach (var sub in subscriptions)
        {
            var reply = await connection.RequestAsync(Cmd.Sub, new Sub { Sub_ = sub }, (ulong)Interlocked.Increment(ref _localSerial), _options.RequestTimeout);
            if (reply.Type != Cmd.SubAck || reply.As(SubAck.Parser).Code != ResultCode.Ok)
            {
                throw new ImException(Cmd.Sub, $"the server refused the subscription to {CommandTable.NameOf(sub)}");
            }
        }

        lock (_lock)
        {
            _connection = connection;
        }

        _everConnected = true;
        SetState(ConnectionState.Connected, null);
        var first = !_firstLogin.Task.IsCompleted;
        var sync = first && !_options.SyncOnConnect ? Task.CompletedTask : SyncOnAsync(connection, serving.Token, first);
        _firstLogin.TrySetResult();

        var dispatch = Task.Run(async () =>
        {
            await foreach (var pending in _outgoing.Reader.ReadAllAsync(serving.Token))
            {
                await SendOnAsync(connection, connectionId, pending);
            }
        }, CancellationToken.None);
        var heartbeat = Task.Run(() => HeartbeatAsync(connection, login.Heartbeat, serving.Token), CancellationToken.None);

        await Task.WhenAny(connection.Closed, Task.Delay(Timeout.Infinite, stop));
        serving.Cancel();
        await Task.WhenAll(Quietly(pushes), Quietly(dispatch), Quietly(heartbeat), Quietly(sync));
        stop.ThrowIfCancellationRequested();
        throw new IOException("the connection closed");
    }

    private async Task<ImClient> OpenAsync(CancellationToken cancellationToken)
    {
        var endpoints = new List<string>();
        if (_options.UseIpList)
        {
            try
            {
                using var http = new HttpClient { BaseAddress = _options.Server, Timeout = _options.RequestTimeout };
                var type = _options.Transport == ChatTransport.Tcp ? "tcp" : "ws";
                endpoints.AddRange(await http.GetFromJsonAsync<List<string>>($"/api/iplist?type={type}", cancellationToken) ?? []);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
            {
                // The list is a hint; the configured address is tried below.
            }
        }

        endpoints.Add(_options.Transport == ChatTransport.Tcp ? $"{_options.TcpHost ?? _options.Server.Host}:{_options.TcpPort}" : $"{_options.Server.Host}:{_options.Server.Port}");
        endpoints.AddRange(_options.Gateways);
        Exception? last = null;
        foreach (var endpoint in endpoints.Distinct())
        {
            var colon = endpoint.LastIndexOf(':');
            var (host, port) = (endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.RequestTimeout);
                var client = _options.Transport == ChatTransport.Tcp
                    ? await ImClient.ConnectTcpAsync(host, port, cancellationToken: timeout.Token)
                    : await ImClient.ConnectWebSocketAsync(new UriBuilder(_options.Server) { Scheme = _options.Server.Scheme == "https" ? "wss" : "ws", Host = host, Port = port, Path = "/im" }.Uri, timeout.Token);
                client.DefaultTimeout = _options.RequestTimeout;
                return client;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                last = ex;
            }
        }

        throw new IOException("no gateway could be reached", last);
    }

    private async Task ReadPushesAsync(ImClient connection, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ReceivedFrame frame;
            try
            {
                frame = await connection.ReceiveAsync(TimeSpan.FromDays(1)).WaitAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                return;
            }

            Handle(connection, frame);
        }
    }

    private async Task HeartbeatAsync(ImClient connection, uint seconds, CancellationToken cancellationToken)
    {
        var interval = seconds > 0 ? TimeSpan.FromSeconds(seconds) : _options.DefaultHeartbeat;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(interval, cancellationToken);
            try
            {
                await connection.RequestAsync(Cmd.Ping, null, (ulong)Interlocked.Increment(ref _localSerial), _options.RequestTimeout);
            }
            catch (Exception ex) when (ex is TimeoutException or IOException)
            {
                await connection.DisposeAsync();
                return;
            }

            _sequencer.AcknowledgeCursor(connection);
        }
    }

    /// <summary>Sends SYNC and waits for its SYNC-ACK, which is read in order with the frames it replays.</summary>
    private async Task<SyncAck> SyncOnAsync(ImClient connection, CancellationToken cancellationToken, bool first = false, Sync? request = null)
    {
        var serial = (ulong)Interlocked.Increment(ref _localSerial);
        var done = new TaskCompletionSource<SyncAck>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_syncs)
        {
            _syncs[serial] = done;
        }

        try
        {
            // Sent as a plain frame, not a request: its ACK must come through the same ordered stream as the replay.
            await connection.SendAsync(Cmd.Sync, request is null ? _sequencer.SyncRequest(first ? _options.SyncFrom : null, first) : _sequencer.SyncRequest(request), serial);
            var ack = await done.Task.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
            if (ack.Code != ResultCode.Ok)
            {
                throw new ImException(Cmd.Sync, ack.Code, ack.Errmsg);
            }

            return ack;
        }
        finally
        {
            lock (_syncs)
            {
                _syncs.Remove(serial);
            }
        }
    }

    private void Handle(ImClient connection, ReceivedFrame frame)
    {
        if (frame.Type == Cmd.SyncAck)
        {
            var ack = frame.As(SyncAck.Parser);
            _sequencer.SyncDone(connection, ack);
            TaskCompletionSource<SyncAck>? waiter;
            lock (_syncs)
            {
                _syncs.TryGetValue(frame.Header.Serial, out waiter);
            }

            waiter?.TrySetResult(ack);
            return;
        }

        if (frame.Type == Cmd.Kick)
        {
            // 10002: this gateway is going away, reconnect elsewhere; anything else ends the session for good.
            var kick = frame.As(Kick.Parser);
            if (kick.Code != ResultCode.Unavailable)
            {
                _kicked = true;
                Publish(new Kicked(kick.Code, kick.Errmsg) { Frame = frame });
            }

            _ = connection.DisposeAsync().AsTask();
            return;
        }

        var body = CommandTable.Find(frame.Type) is { Parser: { } parser, OpaqueBody: false } ? TryParse(parser, frame.Body) : null;
        switch (frame.Type)
        {
            case Cmd.P2P:
                _ = connection.SendAsync(Cmd.P2PAck, null, frame.Header.Serial).AsTask();
                break;
            case Cmd.Bc:
                _ = connection.SendAsync(Cmd.BcAck, null, frame.Header.Serial).AsTask();
                Publish(new LiveNotice(frame.Type, body) { Frame = frame });
                return;
        }

        _sequencer.Push(connection, frame, body);
    }

    private static IMessage? TryParse(Google.Protobuf.MessageParser parser, byte[] body)
    {
        try
        {
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private void Publish(ChatEvent e) => _events.Writer.TryWrite(e);

    private void SetState(ConnectionState state, Exception? error)
    {
        if (State != state)
        {
            State = state;
            Publish(new ConnectionChanged(state, error));
        }
    }

    /// <summary>Requests sent on a lost connection that may not be sent twice fail now.</summary>
    private void FailUnresendable(int connectionId)
    {
        List<Pending> failed;
        lock (_lock)
        {
            failed = [.. _inFlight.Values.Where(p => !p.Resend && p.SentOn == connectionId)];
            foreach (var pending in failed)
            {
                _inFlight.Remove(pending.Order);
            }
        }

        foreach (var pending in failed)
        {
            pending.Reply.TrySetException(new ImException(pending.Cmd, "the connection was lost before the reply"));
        }
    }

    private void Close(Exception? error)
    {
        List<Pending> left;
        lock (_lock)
        {
            left = [.. _inFlight.Values];
            _inFlight.Clear();
        }

        foreach (var pending in left)
        {
            pending.Reply.TrySetException(new ImException(pending.Cmd, "the client is closed"));
        }

        _firstLogin.TrySetException(error ?? new ImException(Cmd.Online, "the client was closed before it connected"));
        SetState(ConnectionState.Closed, error);
        _events.Writer.TryComplete();
    }

    private TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(_options.ReconnectMax.TotalMilliseconds, _options.ReconnectMin.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch
        {
            // Ended with its connection.
        }
    }

    /// <summary>A request not yet answered.</summary>
    private sealed class Pending(long order, uint cmd, IMessage? body, bool resend, bool messageSerial)
    {
        public long Order { get; } = order;

        public uint Cmd { get; } = cmd;

        public IMessage? Body { get; } = body;

        public bool Resend { get; } = resend;

        public bool MessageSerial { get; } = messageSerial;

        public ulong Serial { get; set; }

        public int SentOn { get; set; }

        public TaskCompletionSource<ReceivedFrame> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
