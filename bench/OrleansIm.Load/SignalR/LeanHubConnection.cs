using System.Buffers;
using System.Buffers.Text;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using MessagePack;

namespace OrleansIm.Load.SignalR;

/// <summary>What a hub sent: an invocation of a client method (the relay "m"), an invocation's completion, or something to ignore.</summary>
public enum HubMessageKind
{
    Relay,
    Completion,
    Error,
}

/// <summary>
/// Called for each hub message a <see cref="LeanHubConnection"/> receives: a relay ("m") with its byte[] argument, or a
/// completion (<see cref="HubMessageKind.Error"/> when the hub answered with an error) with its invocation id. The
/// argument is only valid during the call.
/// </summary>
public delegate void HubMessageHandler(HubMessageKind kind, ulong invocationId, ReadOnlySpan<byte> argument);

/// <summary>
/// A SignalR hub connection spoken directly on a WebSocket, for load: the MessagePack hub protocol (version 1), no
/// negotiate round trip, invocations hand-encoded into the caller's buffer (several per WebSocket message), one receive
/// buffer reused for every message (its awaits on pooled builders), and only the fields the load needs read back. What <see cref="OrleansIm.Load.Lean.LeanConnection"/>
/// is to the OrleansIm protocol, so that the load tool is not what limits the SignalR peer.
/// </summary>
public sealed class LeanHubConnection : IAsyncDisposable
{
    // Message types of the hub protocol.
    private const int InvocationType = 1;
    private const int CompletionType = 3;
    private const int PingType = 6;
    private const int CloseType = 7;

    // Completion result kinds.
    private const int ErrorResult = 1;

    /// <summary>The handshake: the hub's configured protocol, then the record separator.</summary>
    private static readonly byte[] Handshake = "{\"protocol\":\"messagepack\",\"version\":1}\u001e"u8.ToArray();

    /// <summary>A whole ping message: length 2, [6].</summary>
    private static readonly byte[] Ping = [0x02, 0x91, PingType];

    private readonly ClientWebSocket _webSocket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private long _lastSend = Environment.TickCount64;

    private LeanHubConnection(ClientWebSocket webSocket, ulong uid)
    {
        _webSocket = webSocket;
        Uid = uid;
    }

    public ulong Uid { get; }

    /// <summary>Opens the WebSocket to the hub as user <paramref name="uid"/> (<c>?uid=</c>) and completes the handshake.</summary>
    public static async Task<LeanHubConnection> ConnectAsync(LoadOptions options, ulong uid)
    {
        var webSocket = new ClientWebSocket();
        webSocket.Options.KeepAliveInterval = TimeSpan.Zero;
        await webSocket.ConnectAsync(new Uri($"ws://{options.Host}:{options.HttpPort}/hub?uid={uid}"), CancellationToken.None);
        var connection = new LeanHubConnection(webSocket, uid);
        await connection.SendAsync(Handshake);
        await connection.ReadHandshakeReplyAsync();
        return connection;
    }

    /// <summary>
    /// Writes one whole invocation message (length prefix included) of hub method <paramref name="target"/> with
    /// invocation id <paramref name="invocationId"/> (sent as its decimal string) and the arguments (string, byte[]);
    /// returns its length. <paramref name="destination"/> needs the arguments' length plus 64 bytes.
    /// </summary>
    public static int WriteInvocation(Span<byte> destination, ulong invocationId, ReadOnlySpan<byte> target, ReadOnlySpan<byte> text, ReadOnlySpan<byte> data) =>
        WriteInvocation(destination, invocationId, target, text, data, withData: true);

    /// <summary>Writes one whole invocation of <paramref name="target"/> with one string argument; see the other overload.</summary>
    public static int WriteInvocation(Span<byte> destination, ulong invocationId, ReadOnlySpan<byte> target, ReadOnlySpan<byte> text) =>
        WriteInvocation(destination, invocationId, target, text, default, withData: false);

    private static int WriteInvocation(Span<byte> destination, ulong invocationId, ReadOnlySpan<byte> target, ReadOnlySpan<byte> text, ReadOnlySpan<byte> data, bool withData)
    {
        // The body goes after room for the longest length prefix, then moves back onto the prefix's actual length.
        const int Room = 5;
        var body = destination[Room..];
        body[0] = 0x95; // [type, headers, invocation id, target, arguments]
        body[1] = InvocationType;
        body[2] = 0x80; // no headers
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(invocationId, digits, out int idLength);
        int n = 3 + String(body[3..], digits[..idLength]);
        n += String(body[n..], target);
        body[n++] = withData ? (byte)0x92 : (byte)0x91;
        n += String(body[n..], text);
        if (withData)
        {
            n += Binary(body[n..], data);
        }


        int prefix = 0;
        Span<byte> lengthPrefix = stackalloc byte[Room];
        for (uint length = (uint)n; ; length >>= 7)
        {
            lengthPrefix[prefix++] = (byte)(length < 0x80 ? length : (length & 0x7F) | 0x80);
            if (length < 0x80)
            {
                break;
            }
        }

        body[..n].CopyTo(destination[prefix..]);
        lengthPrefix[..prefix].CopyTo(destination);
        return prefix + n;
    }

    /// <summary>Set-up only: invokes <paramref name="target"/>(<paramref name="text"/>) and waits for its completion (relays before it are dropped).</summary>
    public async Task InvokeAsync(string target, string text, ulong invocationId)
    {
        var message = new byte[text.Length * 3 + target.Length * 3 + 64];
        int length = WriteInvocation(message, invocationId, System.Text.Encoding.UTF8.GetBytes(target), System.Text.Encoding.UTF8.GetBytes(text));
        await SendAsync(message.AsMemory(0, length));
        var kind = HubMessageKind.Relay;
        while (kind == HubMessageKind.Relay)
        {
            if (!await ReceiveAsync((k, id, _) =>
                {
                    if (k != HubMessageKind.Relay && id == invocationId)
                    {
                        kind = k;
                    }
                }))
            {
                throw new IOException($"closed while waiting for {target} of {Uid}");
            }
        }

        if (kind == HubMessageKind.Error)
        {
            throw new InvalidOperationException($"{target}({text}) of {Uid} failed");
        }
    }

    /// <summary>Sends whole hub messages (one WebSocket message may carry several).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReadOnlyMemory<byte> messages)
    {
        _lastSend = Environment.TickCount64;
        await _webSocket.SendAsync(messages, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
    }

    /// <summary>
    /// For a connection that otherwise only reads: sends a ping when nothing was sent for 10 s, so that the hub (which
    /// drops a client silent for 30 s) keeps it. The hub's own pings every 15 s wake the reader to do it.
    /// </summary>
    public ValueTask KeepAliveAsync() =>
        Environment.TickCount64 - _lastSend > 10_000 ? SendAsync(Ping) : ValueTask.CompletedTask;

    /// <summary>Reads once and hands every whole hub message to <paramref name="handler"/>; false when the hub closed.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReceiveAsync(HubMessageHandler handler)
    {
        if (!await ReadAsync())
        {
            return false;
        }

        Dispatch(handler);
        return true;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadAsync()
    {
        ReceiveBuffers.MakeRoom(ref _buffer, ref _start, ref _end);

        var result = await _webSocket.ReceiveAsync(_buffer.AsMemory(_end), CancellationToken.None);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            return false;
        }

        _end += result.Count;
        return true;
    }

    private async Task ReadHandshakeReplyAsync()
    {
        while (true)
        {
            int separator = Array.IndexOf(_buffer, (byte)0x1e, _start, _end - _start);
            if (separator >= 0)
            {
                var reply = System.Text.Encoding.UTF8.GetString(_buffer, _start, separator - _start);
                if (reply.Contains("\"error\"", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"the hub refused the handshake of {Uid}: {reply}");
                }

                _start = separator + 1;
                return;
            }

            if (!await ReadAsync())
            {
                throw new IOException($"closed during the handshake of {Uid}");
            }
        }
    }

    private void Dispatch(HubMessageHandler handler)
    {
        while (_end > _start)
        {
            // Length prefix: up to five bytes of seven bits, least significant first.
            int length = 0, prefix = 0;
            while (true)
            {
                if (_start + prefix == _end)
                {
                    return;
                }

                var b = _buffer[_start + prefix];
                length |= (b & 0x7F) << (7 * prefix);
                prefix++;
                if (b < 0x80)
                {
                    break;
                }
            }

            if (_end - _start < prefix + length)
            {
                if (prefix + length > _buffer.Length)
                {
                    Array.Resize(ref _buffer, prefix + length + ReceiveBuffers.ReadSpace);
                }

                return;
            }

            Handle(_buffer.AsMemory(_start + prefix, length), handler);
            _start += prefix + length;
        }
    }

    private void Handle(ReadOnlyMemory<byte> message, HubMessageHandler handler)
    {
        var reader = new MessagePackReader(message);
        int items = reader.ReadArrayHeader();
        switch (reader.ReadInt32())
        {
            case InvocationType:
                // [1, headers, invocation id (nil), target, arguments, stream ids?]
                reader.Skip();
                reader.Skip();
                if (reader.TryReadStringSpan(out var target) && target.SequenceEqual("m"u8) && reader.ReadArrayHeader() >= 1)
                {
                    var argument = reader.ReadBytes();
                    if (argument is { } bytes)
                    {
                        handler(HubMessageKind.Relay, 0, bytes.IsSingleSegment ? bytes.FirstSpan : bytes.ToArray());
                    }
                }

                break;
            case CompletionType:
                // [3, headers, invocation id, result kind, result or error?]
                reader.Skip();
                ulong id = 0;
                if (reader.TryReadStringSpan(out var idText))
                {
                    Utf8Parser.TryParse(idText, out id, out _);
                }

                handler(reader.ReadInt32() == ErrorResult ? HubMessageKind.Error : HubMessageKind.Completion, id, default);
                break;
            case CloseType:
                // [7, error (nil or string), allow reconnect?]
                throw new IOException($"the hub closed the connection of {Uid}: {(items > 1 && !reader.TryReadNil() ? reader.ReadString() : "no error")}");
            default:
                // Pings and anything else the load does not use.
                break;
        }
    }

    private static int String(Span<byte> destination, ReadOnlySpan<byte> utf8)
    {
        int n;
        if (utf8.Length < 32)
        {
            destination[0] = (byte)(0xA0 | utf8.Length);
            n = 1;
        }
        else
        {
            destination[0] = 0xD9;
            destination[1] = checked((byte)utf8.Length);
            n = 2;
        }

        utf8.CopyTo(destination[n..]);
        return n + utf8.Length;
    }

    private static int Binary(Span<byte> destination, ReadOnlySpan<byte> data)
    {
        int n;
        if (data.Length < 256)
        {
            destination[0] = 0xC4;
            destination[1] = (byte)data.Length;
            n = 2;
        }
        else
        {
            destination[0] = 0xC5;
            destination[1] = (byte)(checked((ushort)data.Length) >> 8);
            destination[2] = (byte)data.Length;
            n = 3;
        }

        data.CopyTo(destination[n..]);
        return n + data.Length;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or ObjectDisposedException)
        {
            // The hub is gone or slow to answer: dropping the socket is all that is left.
        }

        _webSocket.Dispose();
    }
}
