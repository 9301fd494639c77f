using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.Fuzz;

/// <summary>
/// Fuzzing of the frame reader and of every body parser behind a running gateway, over TCP and WebSocket. The case
/// count and seed come from IM_FUZZ_CASES and IM_FUZZ_SEED (scripts/fuzz.sh runs a longer pass).
/// </summary>
[Collection(SerialTimingCollection.Name)]
public sealed class FuzzTests(ITestOutputHelper log)
{
    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("IM_FUZZ_CASES"), out var n) ? n : 100_000;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("IM_FUZZ_SEED"), out var n) ? n : 20261202;

    private const int MaxBody = 65536;

    [Fact]
    public void The_frame_reader_survives_random_and_mutated_streams_in_any_chunking()
    {
        var fuzzer = new FrameFuzzer(Seed);
        var random = fuzzer.Random;
        var reader = new FrameReader(MaxBody);
        int frames = 0, refused = 0;
        for (var i = 0; i < Cases; i++)
        {
            // One to three pieces, each a good frame with a hostile body or a broken stream, fed in random chunks.
            var stream = new List<byte>();
            for (var p = random.Next(1, 4); p > 0; p--)
            {
                stream.AddRange(random.Next(3) == 0 ? fuzzer.BrokenStream(MaxBody).Bytes : fuzzer.HostileRequest((ulong)i).Frame);
            }

            var bytes = stream.ToArray();
            var buffered = new byte[bytes.Length];
            int filled = 0, consumed = 0;
            try
            {
                while (filled < bytes.Length)
                {
                    var chunk = Math.Min(bytes.Length - filled, random.Next(1, 80));
                    Array.Copy(bytes, filled, buffered, filled, chunk);
                    filled += chunk;
                    var sequence = new ReadOnlySequence<byte>(buffered, consumed, filled - consumed);
                    while (reader.TryRead(ref sequence, out var frame))
                    {
                        Assert.True(frame.Body.Length <= MaxBody);
                        Assert.Equal(frame.Header.Length, (uint)frame.Body.Length);
                        frames++;
                    }

                    consumed = filled - (int)sequence.Length;
                }
            }
            catch (ProtocolException ex)
            {
                Assert.True(ex.Fatal);
                Assert.Contains(ex.Code, new[] { ResultCode.InvalidHeader, ResultCode.FrameTooLong });
                refused++;
            }
        }

        log.WriteLine($"frame reader: {Cases} streams (seed {Seed}): {frames} frames read, {refused} streams refused (20010/10018), no other outcome");
    }

    [Fact]
    public async Task Hostile_frames_over_both_transports_are_answered_and_bystanders_are_unaffected()
    {
        await using var server = await ImServer.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:RequestsPerSecond"] = "1000000",
            ["Gateway:RequestBurst"] = "1000000",
            ["Gateway:HandshakeTimeout"] = "00:00:01",
        });
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();

        // Bystanders chat through the whole run, one on each transport.
        await using var alice = await server.LoginAsync("tcp", Ids.Next());
        await using var bob = await server.LoginAsync("ws", Ids.Next());
        using var stopChat = new CancellationTokenSource();
        var chatting = BystandersAsync(alice, bob, stopChat.Token);

        // Logged-in sessions send well-framed requests with hostile bodies, pipelined, 64 frames per write.
        var perClient = Cases / 8;
        var fuzzing = Enumerable.Range(0, 8).Select(i => FuzzSessionAsync(server, i % 2 == 0 ? "tcp" : "ws", Seed + i, perClient)).ToArray();
        var replies = await Task.WhenAll(fuzzing);

        // Fresh connections with broken framing, both transports.
        var broken = await BrokenConnectionsAsync(server, Math.Max(200, Cases / 50));

        stopChat.Cancel();
        var (sent, delivered) = await chatting;
        Assert.True(sent > 20, $"bystanders sent only {sent}");
        Assert.Equal(sent, delivered);

        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        log.WriteLine($"socket fuzz (seed {Seed}): {perClient * 8} hostile request frames on 8 sessions, {replies.Sum()} replies, every session alive after; " +
            $"{broken.Total} broken connections ({string.Join(", ", broken.Kinds.Select(k => $"{k.Key} {k.Value}"))}) each answered with EXCEPT or closed; " +
            $"bystanders: {sent} chats acknowledged and delivered; managed heap {heapBefore / 1048576} -> {heapAfter / 1048576} MB; {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(heapAfter - heapBefore < 256L * 1024 * 1024, $"heap grew by {(heapAfter - heapBefore) / 1048576} MB");
    }

    private static async Task<(int Sent, int Delivered)> BystandersAsync(ImClient alice, ImClient bob, CancellationToken stop)
    {
        int sent = 0;
        var delivered = 0;
        var receiving = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    var frame = await bob.ReceiveAsync(TimeSpan.FromSeconds(30));
                    if (frame.Type == Cmd.Chat)
                    {
                        Interlocked.Increment(ref delivered);
                    }
                }
                catch (TimeoutException)
                {
                    return;
                }
            }
        });
        while (!stop.IsCancellationRequested)
        {
            var ack = await alice.ChatAsync(bob.Uid, $"bystander {sent}");
            Assert.Equal(0u, ack.Code);
            sent++;
            await Task.Delay(5, CancellationToken.None);
        }

        await Transports.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref delivered) >= sent), "every bystander chat delivered");
        return (sent, Volatile.Read(ref delivered));
    }

    private static async Task<int> FuzzSessionAsync(ImServer server, string transport, int seed, int count)
    {
        var fuzzer = new FrameFuzzer(seed);
        await using var client = await server.LoginAsync(transport, Ids.Next());
        var replies = 0;
        var last = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var reading = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    var frame = await client.ReceiveAsync(TimeSpan.FromSeconds(60));
                    Interlocked.Increment(ref replies);
                    if (frame.Type is Cmd.Except or Cmd.Kick)
                    {
                        last.Enqueue(frame.Type == Cmd.Except ? $"EXCEPT {frame.As(Except.Parser)}" : $"KICK {frame.As(Kick.Parser)}");
                        while (last.Count > 5)
                        {
                            last.TryDequeue(out _);
                        }
                    }
                }
                catch (Exception ex) when (ex is TimeoutException or System.Threading.Channels.ChannelClosedException)
                {
                    return;
                }
            }
        });

        var batch = new List<byte>();
        var sentCmds = new Queue<uint>();
        for (var i = 0; i < count; i++)
        {
            var (cmd, frame) = fuzzer.HostileRequest((ulong)(i + 1));
            if (batch.Count + frame.Length > 60_000)
            {
                // One WebSocket message may not exceed the frame limit: send what is gathered first.
                await SendAsync(batch, i);
            }

            batch.AddRange(frame);
            sentCmds.Enqueue(cmd);
            if (sentCmds.Count > 128)
            {
                sentCmds.Dequeue();
            }

            if (i % 64 == 63 || i == count - 1)
            {
                await SendAsync(batch, i);
            }
        }

        async Task SendAsync(List<byte> frames, int index)
        {
            if (frames.Count == 0)
            {
                return;
            }

            try
            {
                await client.SendRawAsync(frames.ToArray());
            }
            catch (Exception ex) when (ex is IOException or SocketException or WebSocketException)
            {
                throw new InvalidOperationException($"{transport} session closed by the server after {index} frames; last refusals: " +
                    $"{string.Join(" | ", last)}; last commands sent: {string.Join(",", sentCmds.Select(c => CommandTable.NameOf(c)))}", ex);
            }

            frames.Clear();
        }

        // Still a working session: a PING is answered after everything before it.
        ReceivedFrame pong;
        try
        {
            pong = await client.RequestAsync(Cmd.Ping, null, serial: ulong.MaxValue, timeout: TimeSpan.FromSeconds(60));
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"{transport} session closed by the server; last refusals: {string.Join(" | ", last)}; " +
                $"last commands sent: {string.Join(",", sentCmds.Select(c => CommandTable.NameOf(c)))}", ex);
        }

        Assert.True(pong.Type == Cmd.Pong, $"PING answered with {pong} {(pong.Type == Cmd.Except ? pong.As(Except.Parser) : null)}");
        Assert.False(client.Closed.IsCompleted, $"{transport} fuzzing session was closed");
        return Volatile.Read(ref replies);
    }

    private sealed record BrokenResult(int Total, Dictionary<string, int> Kinds);

    private static async Task<BrokenResult> BrokenConnectionsAsync(ImServer server, int count)
    {
        var fuzzer = new FrameFuzzer(Seed + 100);
        var cases = Enumerable.Range(0, count).Select(i => (Transport: i % 2 == 0 ? "tcp" : "ws", Case: fuzzer.BrokenStream(MaxBody))).ToList();
        var kinds = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, _) =>
        {
            var kind = await (c.Transport == "tcp" ? BrokenTcpAsync(server, c.Case) : BrokenWebSocketAsync(server, c.Case, fuzzer));
            kinds.AddOrUpdate($"{c.Transport} {kind}", 1, (_, n) => n + 1);
        });
        return new BrokenResult(count, new Dictionary<string, int>(kinds));
    }

    private static readonly Dictionary<string, uint> ExpectedCodes = new()
    {
        ["bad checksum"] = ResultCode.InvalidHeader,
        ["length over the limit"] = ResultCode.FrameTooLong,
        ["length near 4 GB"] = ResultCode.FrameTooLong,
        ["request before login"] = ResultCode.IllegalRequest,
    };

    private static async Task<string> BrokenTcpAsync(ImServer server, (string Kind, byte[] Bytes) @case)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", server.TcpPort);
        var stream = tcp.GetStream();
        await stream.WriteAsync(@case.Bytes);
        if (@case.Kind == "truncated")
        {
            tcp.Client.Shutdown(SocketShutdown.Send);
        }

        var received = await ReadUntilClosedAsync(stream, TimeSpan.FromSeconds(10));
        AssertRefused(@case.Kind, received);
        return @case.Kind;
    }

    private static async Task<string> BrokenWebSocketAsync(ImServer server, (string Kind, byte[] Bytes) @case, FrameFuzzer fuzzer)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(server.WebSocketUri, CancellationToken.None);
        var kind = @case.Kind;
        var variant = (@case.Bytes.Length + kind.Length) % 4;
        if (variant == 0)
        {
            kind = "text message";
            await socket.SendAsync("{\"cmd\":\"ONLINE\"}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        else if (variant == 1 && kind != "truncated")
        {
            // The same bytes sent in WebSocket fragments (continuation frames) of one message.
            var half = @case.Bytes.Length / 2;
            await socket.SendAsync(@case.Bytes.AsMemory(0, half), WebSocketMessageType.Binary, false, CancellationToken.None);
            await socket.SendAsync(@case.Bytes.AsMemory(half), WebSocketMessageType.Binary, true, CancellationToken.None);
        }
        else
        {
            // A message whose frames do not add up ("truncated") is refused like a broken header.
            await socket.SendAsync(@case.Bytes, WebSocketMessageType.Binary, true, CancellationToken.None);
        }

        var received = new List<byte>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                received.AddRange(buffer.AsSpan(0, result.Count).ToArray());
            }
        }
        catch (WebSocketException)
        {
            // Dropped without a close handshake: closed all the same.
        }

        Assert.False(timeout.IsCancellationRequested, $"ws {kind}: the connection stayed open");
        AssertRefused(kind is "text message" or "truncated" ? "any" : kind, received.ToArray());
        return kind;
    }

    private static async Task<byte[]> ReadUntilClosedAsync(NetworkStream stream, TimeSpan limit)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return received.ToArray();
                }

                received.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the server kept a broken connection open for {limit.TotalSeconds} s");
        }
        catch (IOException)
        {
            return received.ToArray(); // reset by the server
        }
    }

    /// <summary>A broken connection gets at most an EXCEPT (with the code its fault calls for) before it is closed.</summary>
    private static void AssertRefused(string kind, byte[] received)
    {
        if (received.Length == 0)
        {
            Assert.DoesNotContain(kind, ExpectedCodes.Keys);
            return;
        }

        var sequence = new ReadOnlySequence<byte>(received);
        Assert.True(new FrameReader(MaxBody).TryRead(ref sequence, out var frame), $"{kind}: unreadable answer");
        Assert.Equal(Cmd.Except, frame.Header.Type);
        var except = Except.Parser.ParseFrom(frame.Body);
        if (ExpectedCodes.TryGetValue(kind, out var code))
        {
            Assert.Equal(code, except.Code);
        }
    }
}
