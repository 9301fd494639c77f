using System.IO.Pipelines;
using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Gateway.Transport;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using OrleansIm.Tests.Protocol;

namespace OrleansIm.Tests.Gateway;

/// <summary>Timeouts, rate limit, frame size and the bounded outbound queue, against a server with tight limits.</summary>
[Collection(StrictServerCollection.Name)]
public sealed class LimitTests(StrictServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    private Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock => fixture.Clock;

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_connection_that_never_logs_in_is_closed_after_the_handshake_timeout(string transport)
    {
        await using var client = await Server.ConnectAsync(transport);

        // A PING is allowed before login: once it is answered, the server has the connection and its start time.
        await client.AssertAliveAsync();
        Clock.Advance(StrictServerFixture.HandshakeTimeout - StrictServerFixture.SweepInterval);
        await client.AssertAliveAsync();

        Clock.Advance(2 * StrictServerFixture.SweepInterval);
        await client.AssertClosedAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_silent_session_is_closed_after_three_heartbeats_and_ends(string transport)
    {
        var uid = Ids.Next();
        await using var client = await Server.LoginAsync(transport, uid);
        Clock.Advance(3 * StrictServerFixture.Heartbeat - StrictServerFixture.SweepInterval);
        await client.AssertAliveAsync();

        // That PING was a sign of life: three more heartbeats of silence from here.
        Clock.Advance(3 * StrictServerFixture.Heartbeat + StrictServerFixture.SweepInterval);
        await client.AssertClosedAsync();
        var grain = Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)uid);
        await Transports.EventuallyAsync(async () => (await grain.GetSessions()).Count == 0, "the session to end");
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Pings_keep_a_session_alive_past_the_heartbeat_timeout(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        for (int i = 0; i < 20; i++)
        {
            await client.AssertAliveAsync();
            Clock.Advance(StrictServerFixture.Heartbeat / 2);
        }

        // Ten heartbeats went by, never three without a PING.
        await client.AssertAliveAsync();
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Requests_beyond_the_rate_get_10023_and_the_connection_stays(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());

        // The clock stands still, so no token comes back: exactly a burst is served, ONLINE being the first.
        var answers = await BurstAsync(client, StrictServerFixture.RequestBurst * 2, 0);
        Assert.Equal(StrictServerFixture.RequestBurst - 1, answers.Count(a => a == Cmd.Pong));
        Assert.All(answers.Where(a => a != Cmd.Pong), a => Assert.Equal(Cmd.Except, a));

        // A request with an ACK is refused through its ACK, with nothing left to spend.
        for (ulong serial = 1; serial <= 5; serial++)
        {
            await client.SendAsync(Cmd.Sub, new Sub { Sub_ = Cmd.OnlineNtc }, 1000 + serial);
        }

        for (int i = 0; i < 5; i++)
        {
            var frame = await client.ReceiveAsync();
            Assert.Equal((Cmd.SubAck, ResultCode.RateLimited), (frame.Type, frame.As(SubAck.Parser).Code));
        }

        // One second buys the sustained rate again, and no more.
        Clock.Advance(TimeSpan.FromSeconds(1));
        answers = await BurstAsync(client, StrictServerFixture.RequestsPerSecond + 1, 2000);
        Assert.Equal(StrictServerFixture.RequestsPerSecond, answers.Count(a => a == Cmd.Pong));
        Assert.Equal(1, answers.Count(a => a == Cmd.Except));
    }

    /// <summary>Sends <paramref name="count"/> PINGs back to back; returns what answered each (PONG or EXCEPT 10023).</summary>
    private static async Task<List<uint>> BurstAsync(OrleansIm.Client.ImClient client, int count, ulong firstSerial)
    {
        for (int i = 1; i <= count; i++)
        {
            await client.SendAsync(Cmd.Ping, null, firstSerial + (ulong)i);
        }

        var answers = new List<uint>();
        for (int i = 0; i < count; i++)
        {
            var frame = await client.ReceiveAsync();
            if (frame.Type == Cmd.Except)
            {
                var except = frame.As(Except.Parser);
                Assert.Equal((ResultCode.RateLimited, Cmd.Ping), (except.Code, except.Cmd));
            }
            else
            {
                Assert.Equal(Cmd.Pong, frame.Type);
            }

            answers.Add(frame.Type);
        }

        return answers;
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task The_configured_frame_limit_applies(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        await client.SendRawAsync(HandEncoder.Header(Cmd.Chat, 1, 1025, 0, 0, 1));
        await client.ExpectExceptAsync(ResultCode.FrameTooLong);
        await client.AssertClosedAsync();
    }

    [Fact]
    public async Task A_client_that_never_reads_is_disconnected_when_its_queue_is_full_and_others_are_not_slowed()
    {
        await using var bystander = await Server.LoginAsync("tcp", Ids.Next());

        // The input pipe lets the test run only slightly ahead of the connection, so 'written' tracks what it read.
        var input = new Pipe(new PipeOptions(pauseWriterThreshold: 2 * FrameHeader.Size, resumeWriterThreshold: FrameHeader.Size));
        var output = new Pipe(new PipeOptions(pauseWriterThreshold: 64, resumeWriterThreshold: 32));
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transport = new PipeFrameTransport(new DuplexPipe(input.Reader, output.Writer), "memory", () =>
        {
            aborted.TrySetResult();
            output.Reader.Complete();
        });
        var connection = new ImConnection(transport, Server.Services.GetRequiredService<ConnectionServices>());
        var running = connection.RunAsync();

        // Each ping is answered (PONG or EXCEPT 10023); nobody reads the answers.
        var ping = FrameWriter.Encode(Cmd.Ping, 1, 0, 0, 1, null);
        int written = 0;
        while (written < 5000 && !aborted.Task.IsCompleted)
        {
            var flush = await input.Writer.WriteAsync(ping).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (flush.IsCompleted)
            {
                break;
            }

            written++;
        }

        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Disconnected once the queue held its limit, not by a timeout much later.
        Assert.InRange(written, StrictServerFixture.OutboundQueueFrames, StrictServerFixture.OutboundQueueFrames + 32);
        await running.WaitAsync(TimeSpan.FromSeconds(10));
        await bystander.AssertAliveAsync();
    }

    [Fact]
    public async Task A_reader_that_stops_taking_its_backed_up_queue_is_disconnected_after_the_stall_timeout()
    {
        // A real connection handler over pipes: its output is never read, so its queue backs up.
        var input = new Pipe();
        var output = new Pipe(new PipeOptions(pauseWriterThreshold: 64, resumeWriterThreshold: 32));
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transport = new PipeFrameTransport(new DuplexPipe(input.Reader, output.Writer), "memory", () => aborted.TrySetResult());
        var connection = new ImConnection(transport, Server.Services.GetRequiredService<ConnectionServices>());
        var running = connection.RunAsync();
        var uid = Ids.Next();
        await input.Writer.WriteAsync(FrameWriter.Encode(Cmd.Online, 1, 0, 0, 1, new Online { Uid = uid, Sid = 0, Token = Server.Token(uid), App = "a", Version = "1" }));
        // More requests than the queue's high-water mark even if the write loop takes a few replies into the pipe
        // before it blocks (those past the burst are answered with EXCEPT 429, queued the same way); once the queue
        // is past the mark the read loop stops taking requests, so it never fills up to its limit.
        for (ulong serial = 2; serial < StrictServerFixture.RequestBurst + StrictServerFixture.OutboundQueueFrames / 2; serial++)
        {
            await input.Writer.WriteAsync(FrameWriter.Encode(Cmd.Ping, 1, 0, 0, serial, null));
        }

        var congestion = Server.Services.GetRequiredService<GatewayNode>().Congestion;
        await Transports.EventuallyAsync(() => Task.FromResult(congestion.IsCongested), "the unread queue to back up");

        // The sweep runs inside Advance: the connection is judged at once, on this clock only.
        Clock.Advance(StrictServerFixture.StalledReaderTimeout - StrictServerFixture.SweepInterval);
        Assert.False(aborted.Task.IsCompleted, "disconnected before the stall timeout");
        Clock.Advance(2 * StrictServerFixture.SweepInterval);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        output.Reader.Complete();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(congestion.IsCongested);
    }
}
