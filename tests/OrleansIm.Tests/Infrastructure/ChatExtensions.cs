using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>Chat-level helpers over <see cref="ImClient"/> for the tests.</summary>
public static class ChatExtensions
{
    /// <summary>Sends CHAT from the logged-in user; the serial is unique unless one is given.</summary>
    public static async Task<ChatAck> ChatAsync(this ImClient client, ulong dest, string text, ulong serial = 0, ulong? orig = null)
    {
        var frame = await client.RequestAsync(Cmd.Chat, new Chat { Orig = orig ?? client.Uid, Dest = dest, Level = 1, Time = 1_700_000_000_000, Text = text },
            serial: serial != 0 ? serial : Ids.Next());
        Assert.Equal(Cmd.ChatAck, frame.Type);
        return frame.As(ChatAck.Parser);
    }

    /// <summary>Reads frames until <paramref name="count"/> of command <paramref name="cmd"/> came (others are skipped); those, in arrival order.</summary>
    public static async Task<List<ReceivedFrame>> ReceiveFramesAsync(this ImClient client, uint cmd, int count, TimeSpan timeout)
    {
        var frames = new List<ReceivedFrame>(count);
        while (frames.Count < count)
        {
            var frame = await client.ReceiveAsync(timeout);
            if (frame.Type == cmd)
            {
                frames.Add(frame);
            }
        }

        return frames;
    }

    /// <summary>Sends SYNC and collects every replayed frame up to its SYNC-ACK.</summary>
    public static async Task<(SyncAck Ack, List<ReceivedFrame> Frames)> SyncAsync(this ImClient client, ulong? seq = null, TimeSpan? timeout = null)
    {
        var request = new Sync { Uid = client.Uid };
        if (seq is { } s)
        {
            request.Seq = s;
        }

        return await client.SyncAsync(request, timeout);
    }

    /// <summary>Sends this SYNC (group cursors and all) and collects every replayed frame up to its SYNC-ACK.</summary>
    public static async Task<(SyncAck Ack, List<ReceivedFrame> Frames)> SyncAsync(this ImClient client, Sync request, TimeSpan? timeout = null)
    {
        var serial = Ids.Next();
        await client.SendAsync(Cmd.Sync, request, serial);
        var frames = new List<ReceivedFrame>();
        while (true)
        {
            var frame = await client.ReceiveAsync(timeout);
            if (frame.Type == Cmd.SyncAck && frame.Header.Serial == serial)
            {
                return (frame.As(SyncAck.Parser), frames);
            }

            frames.Add(frame);
        }
    }

    /// <summary>Sends a request whose ACK is <c>{1 code, 2 errmsg}</c> (the contact commands) and returns the code.</summary>
    public static async Task<uint> CodeOfAsync(this ImClient client, uint cmd, Google.Protobuf.IMessage body)
    {
        var frame = await client.RequestAsync(cmd, body);
        Assert.Equal(cmd + 1, frame.Type);
        return frame.As(FriendAddAck.Parser).Code;
    }
}
