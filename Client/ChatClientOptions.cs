namespace OrleansIm.Client;

/// <summary>How a <see cref="ChatClient"/> reaches the server and behaves when the connection breaks.</summary>
public sealed class ChatClientOptions
{
    /// <summary>The server's HTTP address, e.g. <c>http://chat.example.com:8002/</c>: WebSocket at <c>/im</c>, and <c>/api/iplist</c>.</summary>
    public required Uri Server { get; set; }

    /// <summary>The user to log in as.</summary>
    public required ulong Uid { get; set; }

    /// <summary>Gives a token for <see cref="Uid"/> at every login (the app's backend mints them; see docs/http-api.md).</summary>
    public required Func<CancellationToken, ValueTask<string>> TokenProvider { get; set; }

    /// <summary>WebSocket (default) or raw TCP.</summary>
    public ChatTransport Transport { get; set; } = ChatTransport.WebSocket;

    /// <summary>For <see cref="ChatTransport.Tcp"/> when <see cref="UseIpList"/> is off: the gateway's TCP endpoint.</summary>
    public string? TcpHost { get; set; }

    /// <summary>For <see cref="ChatTransport.Tcp"/> when <see cref="UseIpList"/> is off.</summary>
    public int TcpPort { get; set; }

    /// <summary>
    /// Whether to pick a gateway from <c>/api/iplist</c> at each (re)connect, trying them in the order given (least
    /// loaded first). Off: always <see cref="Server"/> (WebSocket) or <see cref="TcpHost"/>:<see cref="TcpPort"/>.
    /// </summary>
    public bool UseIpList { get; set; }

    /// <summary>
    /// More gateways ("host:port" for the transport) tried in order after the configured one when it cannot be reached,
    /// for apps that know their gateways without <c>/api/iplist</c>.
    /// </summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>The session id to keep across reconnects; 0: the server assigns one at the first login and it is kept.</summary>
    public ulong Sid { get; set; }

    /// <summary>The terminal type sent at login (the app's own numbering).</summary>
    public uint Terminal { get; set; }

    /// <summary>
    /// Where the first SYNC starts in the inbox: null replays from the server's stored delivery cursor (what this user's
    /// devices acknowledged), 0 replays everything kept.
    /// </summary>
    public ulong? SyncFrom { get; set; }

    /// <summary>
    /// Whether the first login is followed by a SYNC (from <see cref="SyncFrom"/>). Off: the app calls
    /// <see cref="ChatClient.SyncAsync(OrleansIm.Protocol.Messages.Sync, CancellationToken)"/> when it wants the
    /// history; logins after a reconnect always SYNC, to fill what was missed.
    /// </summary>
    public bool SyncOnConnect { get; set; } = true;

    /// <summary>
    /// How many failed attempts <see cref="ChatClient.ConnectAsync"/> makes before it gives up with the error (0: it keeps
    /// trying until its cancellation token says stop). Reconnects after a first login always keep trying.
    /// </summary>
    public int FirstConnectAttempts { get; set; }

    /// <summary>How long a request waits for its reply before the connection is taken as broken.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first wait before reconnecting; doubled after each failed attempt, with jitter, up to <see cref="ReconnectMax"/>.</summary>
    public TimeSpan ReconnectMin { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan ReconnectMax { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often to send PING when the server does not say (ONLINE-ACK heartbeat).</summary>
    public TimeSpan DefaultHeartbeat { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The optional push classes to subscribe to at every login (SUB; subscriptions belong to a session, so they are
    /// made again after each reconnect). By default the account-state notices and friends' presence.
    /// </summary>
    public List<uint> Subscriptions { get; set; } =
    [
        Protocol.Cmd.ContactNtc, Protocol.Cmd.ReadNtc, Protocol.Cmd.ReceiptNtc, Protocol.Cmd.TypingNtc, Protocol.Cmd.GroupTypingNtc,
        Protocol.Cmd.OnlineNtc, Protocol.Cmd.OfflineNtc,
    ];

    /// <summary>How many message serials to reserve with one ALLOC-SEQ.</summary>
    public uint SerialBlock { get; set; } = 256;
}

/// <summary>The transport a <see cref="ChatClient"/> speaks.</summary>
public enum ChatTransport
{
    WebSocket,
    Tcp,
}

/// <summary>Where a <see cref="ChatClient"/>'s connection stands.</summary>
public enum ConnectionState
{
    Connecting,
    Connected,
    Reconnecting,
    Closed,
}
