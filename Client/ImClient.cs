using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using Google.Protobuf;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Client;

/// <summary>
/// A client of the OrleansIm protocol over raw TCP or WebSocket. Replies are matched to requests by serial;
/// every other frame (pushes, notices, KICK) is read in order with <see cref="ReceiveAsync(TimeSpan?)"/>.
/// </summary>
public sealed class ImClient : IAsyncDisposable
{
    private const int MaxBodyLength = 16 * 1024 * 1024;

    private readonly IClientTransport _transport;
    private readonly Channel<ReceivedFrame> _incoming = Channel.CreateUnbounded<ReceivedFrame>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly ConcurrentDictionary<ulong, (uint Ack, TaskCompletionSource<ReceivedFrame> Reply)> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastSerial;

    private ImClient(IClientTransport transport)
    {
        _transport = transport;
        _ = ReadLoopAsync();
    }

    /// <summary>How long a request or receive waits when no timeout is given.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public ulong Uid { get; private set; }

    public ulong Sid { get; private set; }

    /// <summary>Completes when the server closed the connection (or it broke).</summary>
    public Task Closed => _closed.Task;

    public static async Task<ImClient> ConnectTcpAsync(string host, int port, int? receiveBufferBytes = null, CancellationToken cancellationToken = default) =>
        new(await TcpClientTransport.ConnectAsync(host, port, receiveBufferBytes, cancellationToken));

    public static async Task<ImClient> ConnectWebSocketAsync(Uri uri, CancellationToken cancellationToken = default) =>
        new(await WebSocketClientTransport.ConnectAsync(uri, cancellationToken));

    public ulong NextSerial() => (ulong)Interlocked.Increment(ref _lastSerial);

    /// <summary>Sends one frame.</summary>
    public ValueTask SendAsync(uint cmd, IMessage? body, ulong serial = 0) =>
        _transport.SendAsync(FrameWriter.Encode(cmd, FrameHeader.FlagUser, Sid, 0, serial, body), _stop.Token);

    /// <summary>Sends bytes as they are (one WebSocket message): for malformed or batched frames.</summary>
    public ValueTask SendRawAsync(ReadOnlyMemory<byte> bytes) => _transport.SendAsync(bytes, _stop.Token);

    /// <summary>Sends a WebSocket text message (which the server must refuse).</summary>
    public ValueTask SendTextAsync(string text) => _transport is WebSocketClientTransport ws
        ? ws.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, _stop.Token)
        : throw new InvalidOperationException("text messages exist only on WebSocket");

    /// <summary>Sends a request and waits for its ACK (command id + 1) or an EXCEPT with the same serial.</summary>
    public async Task<ReceivedFrame> RequestAsync(uint cmd, IMessage? body, ulong serial = 0, TimeSpan? timeout = null)
    {
        if (serial == 0)
        {
            serial = NextSerial();
        }

        var reply = new TaskCompletionSource<ReceivedFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(serial, (cmd + 1, reply)))
        {
            throw new InvalidOperationException($"serial {serial} is already waiting for a reply");
        }

        try
        {
            await SendAsync(cmd, body, serial);
            return await reply.Task.WaitAsync(timeout ?? DefaultTimeout);
        }
        finally
        {
            _pending.TryRemove(serial, out _);
        }
    }

    /// <summary>
    /// Sends a request and returns once it is written, with the task of its reply (which fails with
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/>, or <see cref="IOException"/> if the connection
    /// closes first). Requests sent one after another this way reach the server in that order.
    /// </summary>
    public async Task<Task<ReceivedFrame>> SendRequestAsync(uint cmd, IMessage? body, ulong serial, TimeSpan timeout)
    {
        var reply = new TaskCompletionSource<ReceivedFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(serial, (cmd + 1, reply)))
        {
            throw new InvalidOperationException($"serial {serial} is already waiting for a reply");
        }

        try
        {
            await SendAsync(cmd, body, serial);
        }
        catch
        {
            _pending.TryRemove(serial, out _);
            throw;
        }

        return AwaitReplyAsync(serial, reply.Task, timeout);
    }

    private async Task<ReceivedFrame> AwaitReplyAsync(ulong serial, Task<ReceivedFrame> reply, TimeSpan timeout)
    {
        try
        {
            return await reply.WaitAsync(timeout);
        }
        finally
        {
            _pending.TryRemove(serial, out _);
        }
    }

    /// <summary>Logs in; on success <see cref="Uid"/> and <see cref="Sid"/> are set.</summary>
    public async Task<OnlineAck> LoginAsync(ulong uid, string token, ulong sid = 0, uint terminal = 0, TimeSpan? timeout = null)
    {
        var frame = await RequestAsync(Cmd.Online, new Online { Uid = uid, Sid = sid, Token = token, App = "orleansim-client", Version = "1", Terminal = terminal }, timeout: timeout);
        if (frame.Type != Cmd.OnlineAck)
        {
            throw new InvalidOperationException($"login answered with {frame}");
        }

        var ack = frame.As(OnlineAck.Parser);
        if (ack.Code == ResultCode.Ok)
        {
            Uid = uid;
            Sid = ack.Sid;
        }

        return ack;
    }

    /// <summary>The next frame that was not a reply to a pending request.</summary>
    public async Task<ReceivedFrame> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _incoming.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException("no frame arrived in time");
        }
    }

    /// <summary>A frame that already arrived (not a reply to a pending request), without waiting.</summary>
    public bool TryReceive([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ReceivedFrame? frame) => _incoming.Reader.TryRead(out frame);

    /// <summary>Reads frames until one of type <paramref name="cmd"/> arrives; the frames before it are dropped.</summary>
    public async Task<ReceivedFrame> ReceiveAsync(uint cmd, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var frame = await ReceiveAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            if (frame.Type == cmd)
            {
                return frame;
            }
        }
    }

    /// <summary>True if the server closed the connection within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan? timeout = null)
    {
        try
        {
            await _closed.Task.WaitAsync(timeout ?? DefaultTimeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _transport.DisposeAsync();
    }

    private async Task ReadLoopAsync()
    {
        var reader = new FrameReader(MaxBodyLength);
        var buffer = new byte[64 * 1024];
        int filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                int read = await _transport.ReceiveAsync(buffer.AsMemory(filled), _stop.Token);
                if (read == 0)
                {
                    break;
                }

                filled += read;
                var sequence = new ReadOnlySequence<byte>(buffer, 0, filled);
                while (reader.TryRead(ref sequence, out var frame))
                {
                    Deliver(new ReceivedFrame(frame.Header, frame.Body.ToArray()));
                }

                int consumed = filled - (int)sequence.Length;
                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException or WebSocketException or ProtocolException)
        {
            // Closed by either side; Closed tells the caller.
        }
        finally
        {
            _incoming.Writer.TryComplete();
            _closed.TrySetResult();
            foreach (var waiter in _pending.Values)
            {
                waiter.Reply.TrySetException(new IOException("the connection closed before the reply arrived"));
            }
        }
    }

    private void Deliver(ReceivedFrame frame)
    {
        if (_pending.TryGetValue(frame.Header.Serial, out var waiter) && (frame.Type == waiter.Ack || frame.Type == Cmd.Except))
        {
            waiter.Reply.TrySetResult(frame);
            return;
        }

        _incoming.Writer.TryWrite(frame);
    }
}
