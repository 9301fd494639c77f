using System.Collections.Concurrent;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>
/// A client that behaves as a real app should when its gateway dies: it reconnects (to the next gateway it knows),
/// logs in again, resends what was not acknowledged with the same serial, and keeps every delivered frame by seq.
/// </summary>
public sealed class ResilientClient(ulong uid, int[] tcpPorts, int home) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ImClient? _client;
    private int _port = home;
    private long _lastFrameAt;
    private volatile bool _disposed;

    public ulong Uid { get; } = uid;

    public int Home { get; } = home;

    public int Reconnects { get; private set; }

    /// <summary>Private messages delivered to this user: inbox seq → text.</summary>
    public ConcurrentDictionary<ulong, string> Inbox { get; } = new();

    /// <summary>Group messages delivered: (gid, group seq) → text.</summary>
    public ConcurrentDictionary<(ulong Gid, ulong Seq), string> Groups { get; } = new();

    /// <summary>The same seq seen with two different texts (must stay empty).</summary>
    public ConcurrentBag<string> Conflicts { get; } = [];

    public int LiveFrames;

    private async Task<ImClient> ConnectedAsync()
    {
        if (_client is { Closed.IsCompleted: false } alive)
        {
            return alive;
        }

        await _connecting.WaitAsync();
        try
        {
            if (_client is { Closed.IsCompleted: false } again)
            {
                return again;
            }

            if (_client is not null)
            {
                await _client.DisposeAsync();
                _client = null;
                Reconnects++;
            }

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    var client = await ImClient.ConnectTcpAsync("127.0.0.1", tcpPorts[_port]);
                    client.DefaultTimeout = TimeSpan.FromSeconds(5);
                    var ack = await client.LoginAsync(Uid, ProcessTokens.For(Uid));
                    if (ack.Code == 0)
                    {
                        _client = client;
                        _ = ReadAsync(client);
                        if (Reconnects > 0)
                        {
                            // Back after a drop: what was pushed meanwhile comes by SYNC (the inbox and known groups).
                            var sync = new Sync { Uid = Uid, Seq = 0 };
                            sync.Groups.AddRange(Groups.Keys.Select(k => k.Gid).Distinct().Select(g => new GroupCursor { Gid = g, Seq = 0 }));
                            _ = client.SendAsync(Cmd.Sync, sync, ulong.MaxValue).AsTask();
                        }

                        return client;
                    }

                    await client.DisposeAsync();
                }
                catch (Exception ex) when (ex is IOException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
                {
                    // This gateway is gone or not ready: try the next one.
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"user {Uid} could not log in anywhere");
                }

                _port = (_port + 1) % tcpPorts.Length;
                await Task.Delay(200);
            }
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task ReadAsync(ImClient client)
    {
        while (true)
        {
            ReceivedFrame frame;
            try
            {
                frame = await client.ReceiveAsync(Timeout.InfiniteTimeSpan);
            }
            catch (Exception ex) when (ex is System.Threading.Channels.ChannelClosedException or TimeoutException or OperationCanceledException)
            {
                // The connection ended (KICK, a dead gateway): reconnect at once, as an app does.
                if (!_disposed)
                {
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await ConnectedAsync();
                        }
                        catch (TimeoutException)
                        {
                            // The next send or sync tries again.
                        }
                    });
                }

                return;
            }

            Volatile.Write(ref _lastFrameAt, Environment.TickCount64);
            Interlocked.Increment(ref LiveFrames);
            if (frame.Type == Cmd.Chat)
            {
                Keep(Inbox, frame.Header.Serial, frame.As(Chat.Parser).Text);
            }
            else if (frame.Type == Cmd.GroupChat)
            {
                var chat = frame.As(GroupChat.Parser);
                Keep(Groups, (chat.Gid, frame.Header.Serial), chat.Text);
            }
        }
    }

    private void Keep<TKey>(ConcurrentDictionary<TKey, string> seen, TKey key, string text) where TKey : notnull
    {
        var kept = seen.GetOrAdd(key, text);
        if (kept != text)
        {
            Conflicts.Add($"{key}: {kept} / {text}");
        }
    }

    /// <summary>Sends until acknowledged (same serial every time); returns the ACK's code-0 seq, or null if refused for good.</summary>
    public async Task<ulong?> SendAsync(uint cmd, Google.Protobuf.IMessage body, ulong serial, CancellationToken stop)
    {
        while (true)
        {
            var client = await ConnectedAsync();
            try
            {
                var reply = await client.RequestAsync(cmd, body, serial, TimeSpan.FromSeconds(5));
                var ack = CommandTable.Find(reply.Type)!.Parser!.ParseFrom(reply.Body);
                var code = (uint)ack.Descriptor.FindFieldByName("code").Accessor.GetValue(ack);
                var seq = ack.Descriptor.FindFieldByName("seq") is { } field ? (ulong)field.Accessor.GetValue(ack) : 0;
                if (code == 0)
                {
                    return seq;
                }

                if (code is not (ResultCode.Internal or ResultCode.Unavailable))
                {
                    return null;
                }
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                // The gateway died under us: reconnect and send the same serial again.
            }

            if (stop.IsCancellationRequested && serial == 0)
            {
                return null;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Replays the whole inbox and the given groups, and waits until the replay has been read (until no frame came
    /// for half a second: call it when nothing else is being sent to this user).
    /// </summary>
    public async Task SyncAllAsync(params ulong[] gids)
    {
        var request = new Sync { Uid = Uid, Seq = 0 };
        request.Groups.AddRange(gids.Select(g => new GroupCursor { Gid = g, Seq = 0 }));
        var client = await ConnectedAsync();
        var reply = await client.RequestAsync(Cmd.Sync, request, timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(Cmd.SyncAck, reply.Type);
        Assert.Equal(0u, reply.As(SyncAck.Parser).Code);
        while (Environment.TickCount64 - Volatile.Read(ref _lastFrameAt) < 500)
        {
            await Task.Delay(100);
        }
    }

    /// <summary>One request on the current connection (no retry).</summary>
    public async Task<ReceivedFrame> RequestAsync(uint cmd, Google.Protobuf.IMessage body) => await (await ConnectedAsync()).RequestAsync(cmd, body);

    public Task JoinAsync(ulong gid) => SendAsync(Cmd.GroupJoin, new GroupJoin { Uid = Uid, Gid = gid }, 0, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }
}
