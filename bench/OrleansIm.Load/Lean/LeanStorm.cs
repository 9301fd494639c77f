using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Load.Lean;

/// <summary>
/// Reconnect storm: logs in <c>--online</c> TCP sessions on <c>--host</c>, SYNCs each, writes "ready" to
/// <c>--ready-file</c> and holds them (PING every 25 s). When their host dies (scripts/storm.sh kills it), every session
/// reconnects as the SDK does (ChatClient.Connection.cs): waits Backoff(attempt) (ReconnectMin 250 ms doubled per failed
/// attempt up to ReconnectMax 15 s, uniform in [ceiling/2, ceiling]), asks <c>/api/iplist?type=tcp</c> of a surviving
/// host (<c>--survivors</c>, taken in turn) for the gateways, tries them in order (connect timeout 10 s), logs in with the
/// token it already holds and SYNCs. Reports when the last one had its SYNC-ACK, login latency (connect start to
/// ONLINE-ACK) during the storm, refusals by code and connection failures. Gives up after <c>--seconds</c>.
/// </summary>
public sealed class LeanStorm(LoadOptions options)
{
    private static readonly TimeSpan ReconnectMin = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ReconnectMax = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, int> _refusals = new();
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private readonly ConcurrentBag<double> _loginMs = new();
    private readonly ConcurrentDictionary<string, int> _landed = new();
    private readonly CancellationTokenSource _end = new();
    private readonly TaskCompletionSource _allSynced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HttpClient _iplist = null!;
    private long _firstLostMs = long.MaxValue;
    private long _lastSyncedMs;
    private int _lost;
    private int _synced;
    private int _attempts;
    private readonly ConcurrentDictionary<string, int> _iplistFailures = new();

    public async Task<string> RunAsync()
    {
        var survivors = options.Survivors.Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (survivors.Length == 0)
        {
            throw new ArgumentException("--scenario storm needs --survivors host[,host…]");
        }

        using var tokens = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = TimeSpan.FromSeconds(60) };
        // Each real client asks over its own connection: a small shared pool would queue thousands of requests here
        // and time them out in the tool, not in the server.
        _iplist = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4096 }) { Timeout = RequestTimeout };
        var all = new Task[options.Online];
        var loggedIn = 0;
        var ready = new TaskCompletionSource();
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(64);
        for (int i = 0; i < options.Online; i++)
        {
            var uid = options.FirstUid + (ulong)i;
            all[i] = Task.Run(async () =>
            {
                string token;
                LeanConnection first;
                await gate.WaitAsync();
                try
                {
                    token = (await tokens.GetFromJsonAsync<TokenReply>($"api/dev/token?uid={uid}"))!.Token;
                    first = await InitialLoginAsync(uid, token);
                }
                finally
                {
                    gate.Release();
                }

                if (Interlocked.Increment(ref loggedIn) == options.Online)
                {
                    ready.TrySetResult();
                }

                await RunSessionAsync(uid, token, first, survivors);
            });
        }

        await ready.Task.WaitAsync(TimeSpan.FromSeconds(Math.Max(600, options.Online / 10)));
        var loginSeconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"storm: initial logins: attempts={_attempts} refusals={Codes(_refusals)} failures={Codes(_failures)}");
        _refusals.Clear();
        _loginMs.Clear();
        _failures.Clear();
        _attempts = 0;
        Console.Error.WriteLine($"storm: {options.Online} sessions logged in and SYNCed on {options.Host} in {loginSeconds:F1}s; ready");
        if (options.ReadyFile.Length > 0)
        {
            await File.WriteAllTextAsync(options.ReadyFile, "ready\n");
        }

        var finished = Task.WhenAll(all);
        var progress = Task.Run(async () =>
        {
            while (!_end.IsCancellationRequested)
            {
                await Task.Delay(2000);
                if (Volatile.Read(ref _lost) > 0)
                {
                    Console.Error.WriteLine($"storm: {Now()} lost={_lost} synced again={_synced} attempts={_attempts} refusals={Codes(_refusals)} failures={Codes(_failures)}");
                }
            }
        });

        // The storm must begin (the script kills the host) and end within --seconds of the ready file.
        var limit = Task.Delay(TimeSpan.FromSeconds(options.Seconds));
        var timedOut = await Task.WhenAny(_allSynced.Task, limit) == limit;
        _end.Cancel();
        await Task.WhenAny(finished, Task.Delay(5000));
        await progress.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });

        var sorted = _loginMs.ToArray();
        Array.Sort(sorted);
        var first = _firstLostMs == long.MaxValue ? 0 : _firstLostMs;
        return $"storm: sessions={options.Online} initial login+SYNC {loginSeconds:F1}s; lost={_lost} logged in and SYNCed again={_synced}{(timedOut ? $" (gave up after {options.Seconds}s)" : "")}\n" +
            $"storm: first_loss_unix_ms={first} last_sync_ack_unix_ms={_lastSyncedMs} first loss to last SYNC-ACK {(_lastSyncedMs - first) / 1000.0:F2}s\n" +
            $"storm: login attempts={_attempts} login latency (connect start to ONLINE-ACK 0, incl. ones whose SYNC then failed) n={sorted.Length} p50={Percentile(sorted, 0.50):F1}ms p99={Percentile(sorted, 0.99):F1}ms max={(sorted.Length > 0 ? sorted[^1] : 0):F1}ms\n" +
            $"storm: refusals by code={Codes(_refusals)} connection failures={Codes(_failures)} iplist failures={Codes(_iplistFailures)}\n" +
            $"storm: sessions per gateway afterwards={Codes(_landed)}";
    }

    /// <summary>The first login, on --host, retried with the same backoff (its refusals are counted, then reset at ready).</summary>
    private async Task<LeanConnection> InitialLoginAsync(ulong uid, string token)
    {
        for (int attempt = 0; ; attempt++)
        {
            var (connection, _) = await TryLoginAsync(options.Host, uid, token, sid: null);
            if (connection is not null)
            {
                return connection;
            }

            await Task.Delay(Backoff(attempt));
        }
    }

    private async Task RunSessionAsync(ulong uid, string token, LeanConnection connection, string[] survivors)
    {
        var sid = new StrongBox<ulong>(connection.Sid);
        await HoldAsync(connection, untilEnd: false);
        var lostMs = Now();
        Interlocked.Increment(ref _lost);
        InterlockedMin(ref _firstLostMs, lostMs);
        if (_end.IsCancellationRequested)
        {
            return;
        }

        for (int attempt = 0; !_end.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(Backoff(attempt), _end.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var endpoint in await GatewaysAsync(survivors[(int)(uid % (ulong)survivors.Length)], survivors))
            {
                var (next, refused) = await TryLoginAsync(endpoint, uid, token, sid);
                if (next is not null)
                {
                    if (Interlocked.Increment(ref _synced) == options.Online)
                    {
                        _allSynced.TrySetResult();
                    }

                    Count(_landed, endpoint);
                    InterlockedMax(ref _lastSyncedMs, Now());
                    await HoldAsync(next, untilEnd: true);
                    return;
                }

                if (refused)
                {
                    break; // As the SDK: a refused login throws, and the next attempt waits its backoff.
                }
            }
        }
    }

    /// <summary>The gateways /api/iplist?type=tcp of <paramref name="asked"/> lists (weighted toward the less loaded); the survivors' own addresses when it does not answer.</summary>
    private async Task<List<string>> GatewaysAsync(string asked, string[] survivors)
    {
        try
        {
            var list = await _iplist.GetFromJsonAsync<List<string>>($"http://{asked}:{options.HttpPort}/api/iplist?type=tcp");
            if (list is { Count: > 0 })
            {
                return list.Select(e => e[..e.LastIndexOf(':')]).ToList();
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            Count(_iplistFailures, ex switch
            {
                TaskCanceledException => "timeout",
                HttpRequestException { StatusCode: { } status } => $"http:{(int)status}",
                HttpRequestException { InnerException: System.Net.Sockets.SocketException se } => $"connect:{se.SocketErrorCode}",
                _ => ex.GetType().Name,
            });
        }

        return [asked, .. survivors.Where(s => s != asked)];
    }

    /// <summary>Connects, logs in and SYNCs. Returns the connection when SYNC-ACK came; refused is true when the server answered with a code.</summary>
    /// As the SDK, a reconnect sends the sid of the last successful login (<paramref name="sid"/>, updated from each ONLINE-ACK).
    private async Task<(LeanConnection? Connection, bool Refused)> TryLoginAsync(string host, ulong uid, string token, StrongBox<ulong>? sid)
    {
        Interlocked.Increment(ref _attempts);
        using var timeout = new CancellationTokenSource(RequestTimeout);
        var start = Stopwatch.GetTimestamp();
        LeanConnection connection;
        try
        {
            connection = await LeanConnection.ConnectAsync(false, host, options.TcpPort, options.HttpPort, cancellationToken: timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            Count(_failures, ex is System.Net.Sockets.SocketException se ? $"connect:{se.SocketErrorCode}" : "connect:timeout");
            return (null, false);
        }

        using var abort = timeout.Token.Register(() => _ = connection.DisposeAsync());
        try
        {
            var online = new Online { Uid = uid, Sid = sid?.Value ?? 0, Token = token, App = "orleansim-load", Version = "1" }.ToByteArray();
            var frame = new byte[FrameHeader.Size + online.Length];
            Wire.Header(frame, Cmd.Online, online.Length, 1);
            online.CopyTo(frame, FrameHeader.Size);
            await connection.SendAsync(frame);
            var (type, code, newSid) = await AwaitAsync(connection, Cmd.OnlineAck, 1);
            if (type == Cmd.OnlineAck && code == ResultCode.Ok)
            {
                connection.Sid = newSid;
                if (sid is not null)
                {
                    sid.Value = newSid;
                }

                _loginMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                var sync = new Sync { Uid = uid }.ToByteArray();
                frame = new byte[FrameHeader.Size + sync.Length];
                Wire.Header(frame, Cmd.Sync, sync.Length, 2);
                sync.CopyTo(frame, FrameHeader.Size);
                await connection.SendAsync(frame);
                (type, code, _) = await AwaitAsync(connection, Cmd.SyncAck, 2);
                if (type == Cmd.SyncAck && code == ResultCode.Ok)
                {
                    return (connection, false);
                }

                Count(_refusals, type == 0 ? "sync:closed" : $"{(type == Cmd.Except ? "sync-except" : "sync")}:{code}");
            }
            else
            {
                Count(type == 0 ? _failures : _refusals, type == 0 ? "login:closed" : $"{(type == Cmd.Except ? "except" : "online-ack")}:{code}");
            }

            await connection.DisposeAsync();
            return (null, type != 0);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Count(_failures, timeout.IsCancellationRequested ? "login:timeout" : "login:" + ex.GetType().Name);
            await connection.DisposeAsync();
            return (null, false);
        }
    }

    /// <summary>Reads until the ack of <paramref name="serial"/> (or an EXCEPT) comes: its type and code; (0, 0) when the server closed.</summary>
    private static async Task<(uint Type, uint Code, ulong Sid)> AwaitAsync(LeanConnection connection, uint ackCmd, ulong serial)
    {
        uint gotType = 0, gotCode = 0;
        ulong gotSid = 0;
        while (gotType == 0)
        {
            if (!await connection.ReceiveAsync((type, s, body) =>
                {
                    if (type == ackCmd && s == serial)
                    {
                        if (ackCmd == Cmd.OnlineAck)
                        {
                            var ack = OnlineAck.Parser.ParseFrom(body);
                            (gotType, gotCode, gotSid) = (type, ack.Code, ack.Sid);
                        }
                        else
                        {
                            (gotType, gotCode) = (type, SyncAck.Parser.ParseFrom(body).Code);
                        }
                    }
                    else if (type == Cmd.Except)
                    {
                        (gotType, gotCode) = (type, Except.Parser.ParseFrom(body).Code);
                    }
                }))
            {
                return (0, 0, 0);
            }
        }

        return (gotType, gotCode, gotSid);
    }

    /// <summary>Reads (dropping what comes) and PINGs every 25 s until the server closes, or, with <paramref name="untilEnd"/>, until the run ends.</summary>
    private async Task HoldAsync(LeanConnection connection, bool untilEnd)
    {
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(_end.Token);
        using var stop = untilEnd ? _end.Token.Register(() => _ = connection.DisposeAsync()) : default;
        var pings = Task.Run(async () =>
        {
            var ping = new byte[FrameHeader.Size];
            Wire.Header(ping, Cmd.Ping, 0, 0);
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(20 + Random.Shared.NextDouble() * 5), closed.Token);
                    await connection.SendAsync(ping);
                }
            }
            catch (Exception)
            {
                // Closed or ended: the reader below sees it too.
            }
        });
        try
        {
            while (await connection.ReceiveAsync(static (_, _, _) => { }))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
        {
            // A reset is a loss like a close.
        }

        closed.Cancel();
        await pings;
        await connection.DisposeAsync();
    }

    /// <summary>The SDK's backoff (ChatClient.Backoff).</summary>
    private static TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(ReconnectMax.TotalMilliseconds, ReconnectMin.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static void Count(ConcurrentDictionary<string, int> counts, string key) => counts.AddOrUpdate(key, 1, (_, n) => n + 1);

    private static string Codes(ConcurrentDictionary<string, int> counts) =>
        counts.IsEmpty ? "none" : string.Join(",", counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static void InterlockedMin(ref long target, long value)
    {
        long current;
        while (value < (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed record TokenReply(string Token);
}
