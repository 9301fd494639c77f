using System.Collections.Concurrent;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>
/// A user of the cluster fault tests, on the .NET SDK (<see cref="ChatClient"/>), which does what an app does when its
/// gateway dies: reconnects (to the next gateway it knows), logs in again, resends what was not acknowledged with the
/// same serial, and SYNCs. This class keeps what was delivered by seq, and, when <see cref="SyncAllAsync"/> replays
/// everything again, checks it against what was delivered before (<see cref="Conflicts"/>).
/// Gateways are "host:port" TCP endpoints: the client logs in at <c>gateways[home]</c> and, when that one cannot be
/// reached, tries the others in order. A request unanswered for <paramref name="requestTimeout"/> (5 s unless given)
/// makes the SDK take its connection as broken and reconnect.
/// </summary>
public sealed class ResilientClient(ulong uid, string[] gateways, int home, TimeSpan? requestTimeout = null) : IAsyncDisposable
{
    /// <summary>A client of silos on loopback, given their TCP ports.</summary>
    public ResilientClient(ulong uid, int[] tcpPorts, int home, TimeSpan? requestTimeout = null)
        : this(uid, [.. tcpPorts.Select(p => $"127.0.0.1:{p}")], home, requestTimeout)
    {
    }

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ChatClient? _chat;
    private Task _reading = Task.CompletedTask;
    private long _lastEventAt;
    private int _reconnects;

    public ulong Uid { get; } = uid;

    public int Home { get; } = home;

    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Private messages delivered to this user: inbox seq → text.</summary>
    public ConcurrentDictionary<ulong, string> Inbox { get; } = new();

    /// <summary>Group messages delivered: (gid, group seq) → text.</summary>
    public ConcurrentDictionary<(ulong Gid, ulong Seq), string> Groups { get; } = new();

    /// <summary>The same seq seen with two different texts (must stay empty).</summary>
    public ConcurrentBag<string> Conflicts { get; } = [];

    public int LiveFrames;

    /// <summary>The KICK that ended the client, if one did.</summary>
    public string? KickedWith { get; private set; }

    /// <summary>Why <see cref="SendAsync"/> last had to try again (for a failing test's message).</summary>
    public string? LastRetry { get; private set; }

    private async Task<ChatClient> ConnectedAsync()
    {
        if (_chat is { } chat)
        {
            return chat;
        }

        await _connecting.WaitAsync();
        try
        {
            if (_chat is null)
            {
                var colon = gateways[Home].LastIndexOf(':');
                var options = new ChatClientOptions
                {
                    Server = new Uri("http://127.0.0.1/"),
                    Uid = Uid,
                    TokenProvider = _ => ValueTask.FromResult(ProcessTokens.For(Uid)),
                    Transport = ChatTransport.Tcp,
                    TcpHost = gateways[Home][..colon],
                    TcpPort = int.Parse(gateways[Home][(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture),
                    Gateways = [.. gateways.Where((_, i) => i != Home)],
                    SyncFrom = 0,
                    RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(5),
                    ReconnectMin = TimeSpan.FromMilliseconds(100),
                    ReconnectMax = TimeSpan.FromSeconds(1),
                    Subscriptions = [],
                };
                using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                _chat = await ChatClient.ConnectAsync(options, patience.Token);
                _reading = Task.Run(() => ReadAsync(_chat));
            }

            return _chat;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task ReadAsync(ChatClient chat)
    {
        await foreach (var e in chat.ReadEventsAsync())
        {
            Volatile.Write(ref _lastEventAt, Environment.TickCount64);
            switch (e)
            {
                case PrivateMessage m:
                    Interlocked.Increment(ref LiveFrames);
                    Keep(Inbox, m.Seq, m.Message.Text);
                    break;
                case GroupMessage g:
                    Interlocked.Increment(ref LiveFrames);
                    Keep(Groups, (g.Gid, g.Seq), g.Message.Text);
                    break;
                case ConnectionChanged { State: ConnectionState.Reconnecting }:
                    Interlocked.Increment(ref _reconnects);
                    break;
                case Kicked k:
                    KickedWith = $"KICK {k.Code} {k.Message} at {DateTime.UtcNow:HH:mm:ss.fff}";
                    break;
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

    /// <summary>
    /// Sends until acknowledged (the SDK resends CHAT and GROUP-CHAT with the same serial across reconnects; a
    /// 10001/10002 answer is tried again here); returns the ACK's seq, or null if refused for good.
    /// </summary>
    public async Task<ulong?> SendAsync(uint cmd, Google.Protobuf.IMessage body, ulong serial, CancellationToken stop)
    {
        while (true)
        {
            var chat = await ConnectedAsync();
            try
            {
                var reply = await chat.RequestAsync(cmd, body, serial);
                var ack = CommandTable.Find(reply.Type)!.Parser!.ParseFrom(reply.Body);
                var code = Replies.CodeOf(ack, out _);
                var seq = ack.Descriptor.FindFieldByName("seq") is { } field ? (ulong)field.Accessor.GetValue(ack) : 0;
                if (code == 0)
                {
                    return seq;
                }

                if (code is not (ResultCode.Internal or ResultCode.Unavailable))
                {
                    return null;
                }

                LastRetry = $"{CommandTable.NameOf(cmd)} serial {serial}: code {code} at {DateTime.UtcNow:HH:mm:ss.fff}";
            }
            catch (ImException ex) when (ex.Code == 0 && chat.State == ConnectionState.Closed)
            {
                // The SDK ended this client for good (a KICK): no retry can succeed.
                throw new InvalidOperationException($"user {Uid}: the client was closed ({KickedWith ?? "no KICK seen"}) while sending serial {serial}", ex);
            }
            catch (ImException ex) when (ex.Code == 0)
            {
                // A request the SDK does not resend by itself lost its connection: send it again.
                LastRetry = $"{CommandTable.NameOf(cmd)} serial {serial}: {ex.Message} at {DateTime.UtcNow:HH:mm:ss.fff}";
            }

            if (stop.IsCancellationRequested && serial == 0)
            {
                return null;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Replays the whole inbox and the given groups from the start (each entry checked against what was delivered
    /// before), and waits until the replay has been read (until no event came for half a second: call it when nothing
    /// else is being sent to this user).
    /// </summary>
    public async Task SyncAllAsync(params ulong[] gids)
    {
        var request = new Sync { Uid = Uid, Seq = 0 };
        request.Groups.AddRange(gids.Select(g => new GroupCursor { Gid = g, Seq = 0 }));
        var chat = await ConnectedAsync();
        var ack = await chat.SyncAsync(request);
        Assert.Equal(0u, ack.Code);
        while (Environment.TickCount64 - Volatile.Read(ref _lastEventAt) < 500)
        {
            await Task.Delay(100);
        }
    }

    /// <summary>One request by command id (no retry of its own).</summary>
    public async Task<ReceivedFrame> RequestAsync(uint cmd, Google.Protobuf.IMessage body) => await (await ConnectedAsync()).RequestAsync(cmd, body);

    public Task JoinAsync(ulong gid) => SendAsync(Cmd.GroupJoin, new GroupJoin { Uid = Uid, Gid = gid }, 0, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (_chat is { } chat)
        {
            await chat.DisposeAsync();
            await _reading;
        }
    }
}
