using System.Diagnostics;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Load;

/// <summary>
/// Users coming and going for a while: <c>online</c> slots, each logging in as a new user again and again (so idle
/// user activations pile up unless they are collected), joining a shared group and room, sending private chats to
/// other slots' users, one group chat and two room chats, then leaving both and logging out. Any refusal counts as
/// an error; the soak script watches the server meanwhile.
/// </summary>
public sealed class SoakLoad(LoadOptions options)
{
    public sealed record Report(LoadOptions Options, long Cycles, long Chats, long GroupChats, long RoomChats, long Errors, TimeSpan Elapsed)
    {
        public override string ToString() =>
            $"soak: online={Options.Online} seconds={Options.Seconds} transport={Options.Transport}\n" +
            $"  sessions={Cycles} chats={Chats} group-chats={GroupChats} room-chats={RoomChats} errors={Errors} elapsed={Elapsed.TotalSeconds:F0}s";
    }

    private long _cycles, _chats, _groupChats, _roomChats, _errors;
    private readonly ulong[] _current = new ulong[Math.Max(2, options.Online)];

    public async Task<Report> RunAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        var connector = new ImClientConnector(options);
        await using var owner = await connector.ConnectAsync(http, options.FirstUid, 0);
        var gid = (await owner.RequestAsync(Cmd.GroupCreat, new GroupCreat { Uid = owner.Uid, Gid = 0, Name = "soak", Desc = "" })).As(GroupCreatAck.Parser).Gid;
        var rid = (await owner.RequestAsync(Cmd.RoomCreat, new RoomCreat { Uid = owner.Uid, Rid = 0, Name = "soak", Desc = "" })).As(RoomCreatAck.Parser).Rid;

        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(options.Seconds);
        using var progress = new Timer(_ => Console.WriteLine(
            $"  {clock.Elapsed.TotalSeconds,5:F0}s sessions={Interlocked.Read(ref _cycles)} chats={Interlocked.Read(ref _chats)} errors={Interlocked.Read(ref _errors)}"),
            null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        await Task.WhenAll(Enumerable.Range(0, options.Online).Select(slot => Task.Run(() => SlotAsync(slot, gid, rid, connector, http, clock, deadline))));
        return new Report(options, _cycles, _chats, _groupChats, _roomChats, _errors, clock.Elapsed);
    }

    private async Task SlotAsync(int slot, ulong gid, ulong rid, ImClientConnector connector, HttpClient http, Stopwatch clock, TimeSpan deadline)
    {
        var random = new Random(slot);
        for (ulong cycle = 0; clock.Elapsed < deadline; cycle++)
        {
            var uid = options.FirstUid + 1 + (ulong)slot * 1_000_000 + cycle;
            Volatile.Write(ref _current[slot], uid);
            try
            {
                await using var client = await connector.ConnectAsync(http, uid, slot + (int)cycle);
                Check(await client.RequestAsync(Cmd.GroupJoin, new GroupJoin { Uid = uid, Gid = gid }), GroupJoinAck.Parser, a => a.Code);
                var bucket = (await client.RequestAsync(Cmd.RoomJoin, new RoomJoin { Uid = uid, Rid = rid })).As(RoomJoinAck.Parser);
                Check(bucket.Code);
                for (var i = 0; i < 10; i++)
                {
                    var peer = Volatile.Read(ref _current[random.Next(_current.Length)]);
                    if (peer != 0 && peer != uid)
                    {
                        Check(await client.RequestAsync(Cmd.Chat, new Chat { Orig = uid, Dest = peer, Level = 1, Time = 0, Text = $"soak {i}" }, client.NextSerial()), ChatAck.Parser, a => a.Code);
                        Interlocked.Increment(ref _chats);
                    }

                    if (i == 4)
                    {
                        Check(await client.RequestAsync(Cmd.GroupChat, new GroupChat { Uid = uid, Gid = gid, Level = 1, Time = 0, Text = "soak" }, client.NextSerial()), GroupChatAck.Parser, a => a.Code);
                        Interlocked.Increment(ref _groupChats);
                    }

                    if (i % 5 == 2)
                    {
                        Check(await client.RequestAsync(Cmd.RoomChat, new RoomChat { Uid = uid, Rid = rid, Gid = bucket.Gid, Level = 1, Time = 0, Text = "soak" }), RoomChatAck.Parser, a => a.Code);
                        Interlocked.Increment(ref _roomChats);
                    }

                    // Read what was pushed so far: a real client does, and the server slows senders down for one that does not.
                    while (client.TryReceive(out _))
                    {
                    }

                    await Task.Delay(100);
                }

                Check(await client.RequestAsync(Cmd.RoomQuit, new RoomQuit { Uid = uid, Rid = rid }), RoomQuitAck.Parser, a => a.Code);
                Check(await client.RequestAsync(Cmd.GroupQuit, new GroupQuit { Uid = uid, Gid = gid }), GroupQuitAck.Parser, a => a.Code);
                await client.RequestAsync(Cmd.Offline, null);
                Interlocked.Increment(ref _cycles);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or InvalidOperationException or System.Net.Http.HttpRequestException)
            {
                Interlocked.Increment(ref _errors);
                Console.Error.WriteLine($"slot {slot}: {ex.Message}");
            }
        }
    }

    private void Check<T>(ReceivedFrame frame, Google.Protobuf.MessageParser<T> parser, Func<T, uint> code) where T : Google.Protobuf.IMessage<T> =>
        Check(frame.Type == Cmd.Except ? frame.As(Except.Parser).Code : code(frame.As(parser)));

    private void Check(uint code)
    {
        if (code != ResultCode.Ok)
        {
            Interlocked.Increment(ref _errors);
        }
    }
}
