using System.Net.Http.Json;
using System.Threading.Channels;
using Google.Protobuf;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Client;

/// <summary>The connection: reconnecting, logging in, resending, heartbeats, SYNC, and handing pushes to the sequencer.</summary>
public sealed partial class ChatClient
{
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
                    // A busy or failing server (10001, 10002, 10023) is tried again after the backoff, even before the
                    // first login; any other refusal of the first login (a bad token) is final.
                    if (!_everConnected && login.Code is not (ResultCode.Internal or ResultCode.Unavailable or ResultCode.RateLimited))
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
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Stopping: whatever the closing connection threw on its way out (a request that timed out while the
                // client was being disposed) is not the caller's.
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
}
