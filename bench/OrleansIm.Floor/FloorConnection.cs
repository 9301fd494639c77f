using System.Buffers;
using System.Threading.Channels;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Floor;

/// <summary>
/// One client of the floor: ONLINE (any token), PING, CHAT relayed to the receiver's connection and ACKed at once,
/// OFFLINE. A bounded outbound queue like the product's; a full one drops the client.
/// </summary>
public sealed class FloorConnection(FloorRelay relay, IFloorTransport transport)
{
    private const int MaxBodyLength = 64 * 1024;
    private const int OutboundQueueFrames = 1024;

    private readonly Channel<byte[]> _outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(OutboundQueueFrames) { SingleReader = true });
    private ulong _uid;
    private ulong _sent;
    private ulong _received;
    private bool _closing;
    private List<FloorRoom>? _rooms;

    public async Task RunAsync()
    {
        var writing = WriteLoopAsync();
        var input = transport.Input;
        var reader = new FrameReader(MaxBodyLength);
        try
        {
            while (!_closing)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                while (reader.TryRead(ref buffer, out var frame))
                {
                    Handle(frame);
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ProtocolException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            // The client went away or sent garbage: the floor just closes.
        }
        finally
        {
            if (_uid != 0)
            {
                relay.Remove(_uid, this);
            }

            foreach (var room in _rooms ?? [])
            {
                room.Leave(this);
            }

            _outbound.Writer.TryComplete();
            await writing;
            await input.CompleteAsync();
        }
    }

    public void Post(byte[] frame)
    {
        if (!_outbound.Writer.TryWrite(frame))
        {
            _closing = true;
            transport.Abort();
        }
    }

    private void Handle(in Frame frame)
    {
        var header = frame.Header;
        switch (header.Type)
        {
            case Cmd.Online:
                var online = Online.Parser.ParseFrom(frame.Body);
                _uid = online.Uid;
                relay.Add(_uid, this);
                Post(FrameWriter.Encode(Cmd.OnlineAck, FrameHeader.FlagSystem, _uid, 0, header.Serial,
                    new OnlineAck { Uid = _uid, Sid = _uid, App = online.App, Version = online.Version, Code = 0, Errmsg = "ok", Heartbeat = 30 }));
                break;
            case Cmd.Ping:
                Post(FrameWriter.Encode(Cmd.Pong, FrameHeader.FlagSystem, _uid, 0, header.Serial, null));
                break;
            case Cmd.Chat:
                var chat = Chat.Parser.ParseFrom(frame.Body);
                if (relay.Find(chat.Dest) is { } receiver)
                {
                    receiver.Deliver(frame.Body);
                }

                Post(FrameWriter.Encode(Cmd.ChatAck, FrameHeader.FlagSystem, _uid, 0, header.Serial,
                    new ChatAck { Orig = chat.Orig, Dest = chat.Dest, Code = 0, Errmsg = "ok", Seq = ++_sent }));
                break;
            case Cmd.RoomCreat:
                var create = RoomCreat.Parser.ParseFrom(frame.Body);
                Post(FrameWriter.Encode(Cmd.RoomCreatAck, FrameHeader.FlagSystem, _uid, 0, header.Serial,
                    new RoomCreatAck { Uid = create.Uid, Rid = relay.CreateRoom(), Code = 0, Errmsg = "ok" }));
                break;
            case Cmd.RoomJoin:
                var join = RoomJoin.Parser.ParseFrom(frame.Body);
                var joined = relay.Room(join.Rid);
                joined?.Join(this);
                if (joined is not null)
                {
                    (_rooms ??= []).Add(joined);
                }

                Post(FrameWriter.Encode(Cmd.RoomJoinAck, FrameHeader.FlagSystem, _uid, 0, header.Serial,
                    new RoomJoinAck { Uid = join.Uid, Rid = join.Rid, Gid = 1, Code = joined is null ? ResultCode.NotFound : 0, Errmsg = "ok" }));
                break;
            case Cmd.RoomBc:
                var broadcast = RoomBc.Parser.ParseFrom(frame.Body);
                if (relay.Room(broadcast.Rid) is { } room)
                {
                    // Encoded once, the same bytes queued for every member.
                    var encoded = frame.Body.IsSingleSegment
                        ? FrameWriter.EncodeRaw(Cmd.RoomBc, FrameHeader.FlagSystem, 0, 0, 0, frame.Body.FirstSpan)
                        : FrameWriter.EncodeRaw(Cmd.RoomBc, FrameHeader.FlagSystem, 0, 0, 0, frame.Body.ToArray());
                    foreach (var member in room.Members)
                    {
                        member.Post(encoded);
                    }
                }

                Post(FrameWriter.Encode(Cmd.RoomBcAck, FrameHeader.FlagSystem, _uid, 0, header.Serial,
                    new RoomBcAck { Rid = broadcast.Rid, Code = 0, Errmsg = "ok" }));
                break;
            case Cmd.Offline:
                Post(FrameWriter.Encode(Cmd.OfflineAck, FrameHeader.FlagSystem, _uid, 0, header.Serial, null));
                _closing = true;
                break;
        }
    }

    private void Deliver(in ReadOnlySequence<byte> body)
    {
        var seq = Interlocked.Increment(ref _received);
        Post(body.IsSingleSegment
            ? FrameWriter.EncodeRaw(Cmd.Chat, FrameHeader.FlagSystem, _uid, 0, seq, body.FirstSpan)
            : FrameWriter.EncodeRaw(Cmd.Chat, FrameHeader.FlagSystem, _uid, 0, seq, body.ToArray()));
    }

    private async Task WriteLoopAsync()
    {
        var reader = _outbound.Reader;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var frame))
                {
                    await transport.WriteAsync(frame);
                }

                await transport.FlushAsync();
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            // The client went away while we wrote.
            transport.Abort();
        }
    }
}
