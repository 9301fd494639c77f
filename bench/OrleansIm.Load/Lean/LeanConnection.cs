using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Net.Http.Json;
using Google.Protobuf;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Load.Lean;

/// <summary>
/// A raw client connection for load: a socket (TCP) or a WebSocket, one receive buffer reused for every frame, and
/// frames handed to a callback as spans. No per-frame allocation, so that it can drive a bare relay to its maximum.
/// </summary>
public sealed class LeanConnection : IAsyncDisposable
{
    private readonly Socket? _socket;
    private readonly ClientWebSocket? _webSocket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private LeanConnection(Socket? socket, ClientWebSocket? webSocket)
    {
        _socket = socket;
        _webSocket = webSocket;
    }

    public ulong Uid { get; private set; }

    /// <summary>The sid the last ONLINE-ACK gave (set by a caller that reads it, the storm scenario).</summary>
    public ulong Sid { get; set; }

    /// <summary>
    /// Connects. A WebSocket offers the packed subprotocol unless <paramref name="packed"/> is false (as the SDKs do:
    /// the receive side reads frames back to back either way).
    /// </summary>
    public static async Task<LeanConnection> ConnectAsync(bool webSocket, string host, int tcpPort, int httpPort, bool packed = true, CancellationToken cancellationToken = default)
    {
        if (webSocket)
        {
            var ws = new ClientWebSocket();
            ws.Options.KeepAliveInterval = TimeSpan.Zero;
            if (packed)
            {
                ws.Options.AddSubProtocol("orleansim.packed");
            }

            await ws.ConnectAsync(new Uri($"ws://{host}:{httpPort}/im"), cancellationToken);
            return new LeanConnection(null, ws);
        }

        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, tcpPort, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new LeanConnection(socket, null);
    }

    /// <summary>Fetches a dev token over HTTP and logs in; throws unless ONLINE-ACK says 0.</summary>
    public async Task LoginAsync(HttpClient http, ulong uid)
    {
        var token = (await http.GetFromJsonAsync<TokenReply>($"api/dev/token?uid={uid}"))!.Token;
        var online = new Online { Uid = uid, Sid = 0, Token = token, App = "orleansim-load", Version = "1" }.ToByteArray();
        var frame = new byte[FrameHeader.Size + online.Length];
        Wire.Header(frame, Cmd.Online, online.Length, 1);
        online.CopyTo(frame, FrameHeader.Size);
        await SendAsync(frame);
        uint code = uint.MaxValue;
        while (code == uint.MaxValue)
        {
            if (!await ReceiveAsync((type, _, body) =>
                {
                    if (type == Cmd.OnlineAck)
                    {
                        code = OnlineAck.Parser.ParseFrom(body).Code;
                    }
                }))
            {
                throw new IOException($"closed during the login of {uid}");
            }
        }

        if (code != ResultCode.Ok)
        {
            throw new InvalidOperationException($"login of {uid} failed with {code}");
        }

        Uid = uid;
    }

    /// <summary>Set-up only: sends a request and returns the body of its reply (frames before it are dropped).</summary>
    public async Task<byte[]> RequestAsync(uint cmd, IMessage request, uint ackCmd, ulong serial)
    {
        var body = request.ToByteArray();
        var frame = new byte[FrameHeader.Size + body.Length];
        Wire.Header(frame, cmd, body.Length, serial);
        body.CopyTo(frame, FrameHeader.Size);
        await SendAsync(frame);
        byte[]? reply = null;
        while (reply is null)
        {
            if (!await ReceiveAsync((type, s, b) =>
                {
                    if ((type == ackCmd || type == Cmd.Except) && s == serial)
                    {
                        reply = type == ackCmd ? b.ToArray() : throw new InvalidOperationException($"0x{cmd:X4} answered with EXCEPT");
                    }
                }))
            {
                throw new IOException($"closed while waiting for 0x{ackCmd:X4}");
            }
        }

        return reply;
    }

    /// <summary>Sends whole frames (one WebSocket message may carry several).</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> frames)
    {
        if (_webSocket is not null)
        {
            await _webSocket.SendAsync(frames, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            return;
        }

        while (!frames.IsEmpty)
        {
            int sent = await _socket!.SendAsync(frames, SocketFlags.None);
            frames = frames[sent..];
        }
    }

    /// <summary>Reads once and hands every whole frame to <paramref name="handler"/>; false when the server closed.</summary>
    public async ValueTask<bool> ReceiveAsync(FrameHandler handler)
    {
        ReceiveBuffers.MakeRoom(ref _buffer, ref _start, ref _end);

        int read;
        if (_webSocket is not null)
        {
            var result = await _webSocket.ReceiveAsync(_buffer.AsMemory(_end), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return false;
            }

            read = result.Count;
        }
        else
        {
            read = await _socket!.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
            if (read == 0)
            {
                return false;
            }
        }

        _end += read;
        Dispatch(handler);
        return true;
    }

    private void Dispatch(FrameHandler handler)
    {
        while (_end - _start >= FrameHeader.Size)
        {
            var header = _buffer.AsSpan(_start, FrameHeader.Size);
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(header[FrameHeader.LengthOffset..]);
            if (_end - _start < FrameHeader.Size + length)
            {
                if (FrameHeader.Size + length > _buffer.Length)
                {
                    Array.Resize(ref _buffer, FrameHeader.Size + length + ReceiveBuffers.ReadSpace);
                }

                return;
            }

            handler(BinaryPrimitives.ReadUInt32BigEndian(header[FrameHeader.TypeOffset..]), BinaryPrimitives.ReadUInt64BigEndian(header[FrameHeader.SerialOffset..]),
                _buffer.AsSpan(_start + FrameHeader.Size, length));
            _start += FrameHeader.Size + length;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_webSocket is not null)
        {
            try
            {
                await _webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is WebSocketException or TimeoutException or ObjectDisposedException)
            {
                // The server is gone or slow to answer: dropping the socket is all that is left.
            }

            _webSocket.Dispose();
        }

        _socket?.Dispose();
    }

    private sealed record TokenReply(string Token);
}
