using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Gateway;

/// <summary>Gateway limits and ports, bound from the <c>Gateway</c> configuration section and validated at start.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Raw TCP port for native clients.</summary>
    [Range(0, 65535)]
    public int TcpPort { get; set; } = 9002;

    /// <summary>HTTP port: WebSocket at <c>/im</c>, the <c>/api</c> endpoints, health.</summary>
    [Range(0, 65535)]
    public int HttpPort { get; set; } = 8002;

    /// <summary>Address both ports listen on.</summary>
    [Required]
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>This gateway node's id (header <c>nid</c>); 0 = allocate one from the cluster at start.</summary>
    public uint NodeId { get; set; }

    /// <summary>Largest accepted body, in bytes; a longer frame gets EXCEPT 10018 and a close.</summary>
    [Range(64, 16 * 1024 * 1024)]
    public int MaxBodyLength { get; set; } = 64 * 1024;

    /// <summary>Time a new connection has to send ONLINE.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Heartbeat interval in seconds, told to clients in ONLINE-ACK; silence for 3 intervals closes.</summary>
    [Range(1, 3600)]
    public int HeartbeatSeconds { get; set; } = 30;

    /// <summary>How often the node checks its connections for handshake and heartbeat timeouts.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Frames that may wait for a slow client; one more closes the connection.</summary>
    [Range(1, 1_000_000)]
    public int OutboundQueueFrames { get; set; } = 1024;

    /// <summary>
    /// Requests one connection may have in flight (sent, not yet answered). Beyond it the gateway stops reading that
    /// socket until one finishes: back-pressure, not an error.
    /// </summary>
    [Range(1, 4096)]
    public int MaxRequestsInFlight { get; set; } = 64;

    /// <summary>
    /// How long a connection whose outbound queue is more than half full may go without the client taking any of
    /// it. While such a queue exists the node's senders wait; a reader that stopped reading is closed after this.
    /// </summary>
    public TimeSpan StalledReaderTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a push from a grain in another silo waits for the one that grain made before it (which the runtime
    /// may deliver later) before it is delivered anyway: the earlier one was lost with a failed silo. Checked on each
    /// sweep, so the wait is this to this plus <see cref="SweepInterval"/>.
    /// </summary>
    public TimeSpan PushGapWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Sustained requests per second per connection; beyond that: 10023.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 200;

    /// <summary>Requests a connection may send in a burst above the sustained rate.</summary>
    [Range(1, 1_000_000)]
    public int RequestBurst { get; set; } = 400;

    /// <summary>Address clients should use to reach this node (LSND-INFO, /api/iplist); empty = the listen address, or 127.0.0.1 when listening on all.</summary>
    public string PublicAddress { get; set; } = "";

    /// <summary>How often this node reports its listeners and user count to the node directory.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After a silo dies, when this node registers its sessions with their user grains a second time.</summary>
    public TimeSpan SessionRecheckDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a closing connection may take to flush what it still has queued.</summary>
    public TimeSpan CloseFlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most connections this node holds; beyond it a new connection gets EXCEPT 10002 and is closed.</summary>
    [Range(1, int.MaxValue)]
    public int MaxConnections { get; set; } = 100_000;

    /// <summary>Most connections from one remote address (0: no limit); beyond it EXCEPT 10002 and close.</summary>
    [Range(0, int.MaxValue)]
    public int MaxConnectionsPerAddress { get; set; } = 500;

    /// <summary>Logins (ONLINE) per second from one remote address (0: no limit); beyond it ONLINE-ACK 10023 and close.</summary>
    [Range(0, 100_000)]
    public double LoginsPerSecondPerAddress { get; set; } = 20;

    /// <summary>
    /// Logins this node works on at once (0: no limit). More wait for a slot up to <see cref="LoginQueueWait"/>, then
    /// get ONLINE-ACK 10002 and a close, so that after a node fails its clients' logins are finished in turn instead of
    /// all at once, each too slowly for its client's timeout.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxConcurrentLogins { get; set; } = 64;

    /// <summary>
    /// How long after its ONLINE arrived a login may still repeat a grain call that could not reach a silo (one that
    /// died and is not yet declared dead), before it is answered with 10001. Keep it below the clients' login timeout
    /// (the SDKs' is 10 s): a login its client gave up on must not complete later, when it would take the device id
    /// from the session the client has meanwhile opened elsewhere.
    /// </summary>
    public TimeSpan LoginRetryTime { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How long a login waits for one of the <see cref="MaxConcurrentLogins"/> slots before 10002.</summary>
    public TimeSpan LoginQueueWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How many logins one address may make at once before <see cref="LoginsPerSecondPerAddress"/> applies.</summary>
    [Range(1, 100_000)]
    public int LoginBurstPerAddress { get; set; } = 100;

    /// <summary>
    /// Whether the per-address limits apply to loopback addresses too. Off by default: a reverse proxy or a load tool
    /// on the same host connects from loopback for everyone.
    /// </summary>
    public bool LimitLoopback { get; set; }

    /// <summary>
    /// Reverse proxies (IP addresses or CIDR networks, e.g. "10.0.0.5" or "10.0.0.0/8") whose X-Forwarded-For and
    /// X-Forwarded-Proto are believed: the client's address (used by the per-address limits and in logs) is then the
    /// forwarded one. Empty (the default): forwarded headers are ignored, whoever sends them.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>
    /// On shutdown (SIGTERM), how long connections get to finish their requests, receive what is queued and their
    /// KICK 10002 before the rest are closed at once; the silo then leaves the cluster.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest text of a chat message, in UTF-8 bytes; longer: 20007.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxTextBytes { get; set; } = 8 * 1024;

    /// <summary>Longest remark (MARK-ADD, FRIEND-ADD), in UTF-8 bytes; longer: 20007.</summary>
    [Range(1, 64 * 1024)]
    public int MaxMarkBytes { get; set; } = 256;

    /// <summary>Most entries one CONTACTS or CONVERSATIONS page returns (a larger or absent num is cut to it).</summary>
    [Range(1, 10_000)]
    public int MaxPage { get; set; } = 200;

    /// <summary>Most users one PRESENCE query may name; more: 20007.</summary>
    [Range(1, 10_000)]
    public int MaxPresenceQuery { get; set; } = 100;

    /// <summary>A session may say it is typing to one peer or group once per this interval; more often: 10023.</summary>
    public TimeSpan TypingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Inbox entries fetched per page while replaying a SYNC.</summary>
    [Range(1, 10_000)]
    public int SyncPageSize { get; set; } = 200;

    /// <summary>Most serials one ALLOC-SEQ may ask for.</summary>
    [Range(1, 1_000_000)]
    public int MaxAllocSeq { get; set; } = 10_000;
}
