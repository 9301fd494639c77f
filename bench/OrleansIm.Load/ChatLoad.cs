using System.Diagnostics;
using System.Net.Http.Json;
using HdrHistogram;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Load;

/// <summary>
/// Private-chat load: each pair is one sender and one receiver, each on its own connection. Senders send their
/// messages with up to <c>window</c> unacknowledged at a time; receivers count what arrives. Logins use the
/// Development token endpoint, so the server must run in Development.
/// </summary>
public sealed class ChatLoad(LoadOptions options)
{
    private static readonly long HighestMicros = TimeSpan.FromMinutes(10).Ticks / 10;

    private sealed record TokenReply(string Token);

    public async Task<LoadReport> RunAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        var senders = new ImClient[options.Pairs];
        var receivers = new ImClient[options.Pairs];
        for (int i = 0; i < options.Pairs; i++)
        {
            var senderUid = options.FirstUid + (ulong)(2 * i);
            senders[i] = await ConnectAsync(http, senderUid, i);
            receivers[i] = await ConnectAsync(http, senderUid + 1, i + 1);
        }

        var ackLatency = new LongConcurrentHistogram(1, HighestMicros, 3);
        var deliveryLatency = new LongConcurrentHistogram(1, HighestMicros, 3);
        int acked = 0, refused = 0, delivered = 0;
        var receiving = receivers.Select(r => ReceiveAsync(r, deliveryLatency, () => Interlocked.Increment(ref delivered))).ToArray();

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(senders.Select((s, i) => SendAllAsync(s, receivers[i].Uid, ackLatency, ok => Interlocked.Increment(ref ok ? ref acked : ref refused))));
        var expected = options.Pairs * options.Messages;
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref delivered) < acked && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(5);
        }

        var elapsed = clock.Elapsed;
        foreach (var client in senders.Concat(receivers))
        {
            await client.DisposeAsync();
        }

        await Task.WhenAll(receiving);
        return new LoadReport(options, acked, refused, delivered, expected - delivered, elapsed, ackLatency, deliveryLatency);
    }

    internal async Task<ImClient> ConnectAsync(HttpClient http, ulong uid, int index)
    {
        var token = (await http.GetFromJsonAsync<TokenReply>($"api/dev/token?uid={uid}"))!.Token;
        var useWebSocket = options.Transport == "ws" || (options.Transport == "mixed" && index % 2 == 1);
        var client = useWebSocket
            ? await ImClient.ConnectWebSocketAsync(new Uri($"ws://{options.Host}:{options.HttpPort}/im"))
            : await ImClient.ConnectTcpAsync(options.Host, options.TcpPort);
        client.DefaultTimeout = TimeSpan.FromSeconds(60);
        var ack = await client.LoginAsync(uid, token);
        if (ack.Code != ResultCode.Ok)
        {
            throw new InvalidOperationException($"login of {uid} failed with {ack.Code}");
        }

        return client;
    }

    private async Task SendAllAsync(ImClient sender, ulong dest, LongConcurrentHistogram latency, Action<bool> count)
    {
        using var window = new SemaphoreSlim(options.Window);
        var inFlight = new List<Task>();
        for (int m = 0; m < options.Messages; m++)
        {
            await window.WaitAsync();
            inFlight.Add(SendOneAsync());
        }

        await Task.WhenAll(inFlight);

        async Task SendOneAsync()
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                var chat = new Chat { Orig = sender.Uid, Dest = dest, Level = 0, Time = (ulong)started, Text = "load test message" };
                var reply = await sender.RequestAsync(Cmd.Chat, chat, serial: sender.NextSerial());
                latency.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds));
                count(reply.Type == Cmd.ChatAck && reply.As(ChatAck.Parser).Code == ResultCode.Ok);
            }
            finally
            {
                window.Release();
            }
        }
    }

    private static async Task ReceiveAsync(ImClient receiver, LongConcurrentHistogram latency, Action count)
    {
        try
        {
            while (true)
            {
                var frame = await receiver.ReceiveAsync(TimeSpan.FromMinutes(10));
                if (frame.Type != Cmd.Chat)
                {
                    continue;
                }

                var sent = (long)frame.As(Chat.Parser).Time;
                latency.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(sent).TotalMicroseconds));
                count();
            }
        }
        catch (Exception ex) when (ex is System.Threading.Channels.ChannelClosedException or TimeoutException)
        {
            // The run is over and the connection closed.
        }
    }
}
