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
    public Task<SyncAck> SyncAsync(CancellationToken cancellationToken = default) => SyncOnAsync(Connected(Cmd.Sync), cancellationToken);

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
        return await SyncOnAsync(Connected(Cmd.Sync), cancellationToken, request: request);
    }

    /// <summary>The logged-in connection now; <paramref name="cmd"/> fails with code 0 when there is none.</summary>
    private ImClient Connected(uint cmd)
    {
        lock (_lock)
        {
            return _connection ?? throw new ImException(cmd, "not connected");
        }
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
}
