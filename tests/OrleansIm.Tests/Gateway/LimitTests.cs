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

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_connection_that_never_logs_in_is_closed_after_the_handshake_timeout(string transport)
    {
        await using var client = await Server.ConnectAsync(transport);
        Assert.True(await client.WaitClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_silent_session_is_closed_after_three_heartbeats_and_ends(string transport)
    {
        var uid = Ids.Next();
        await using var client = await Server.LoginAsync(transport, uid);
        Assert.True(await client.WaitClosedAsync(TimeSpan.FromSeconds(8)));
        var grain = Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)uid);
        await Transports.EventuallyAsync(async () => (await grain.GetSessions()).Count == 0, "the session to end");
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Pings_keep_a_session_alive_past_the_heartbeat_timeout(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(4.5);
        while (DateTime.UtcNow < until)
        {
            await client.AssertAliveAsync();
            await Task.Delay(400);
        }

        Assert.False(client.Closed.IsCompleted);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Requests_beyond_the_rate_get_10023_and_the_connection_stays(string transport)
    {
        await using var client = await Server.LoginAsync(transport, Ids.Next());
        const int Sent = StrictServerFixture.RequestBurst * 2;
        for (ulong serial = 1; serial <= Sent; serial++)
        {
            await client.SendAsync(Cmd.Ping, null, serial);
        }

        int pongs = 0, limited = 0;
        for (int i = 0; i < Sent; i++)
        {
            var frame = await client.ReceiveAsync();
            if (frame.Type == Cmd.Pong)
            {
                pongs++;
            }
            else
            {
                var except = frame.As(Except.Parser);
                Assert.Equal((ResultCode.RateLimited, Cmd.Ping), (except.Code, except.Cmd));
                limited++;
            }
        }

        Assert.InRange(pongs, StrictServerFixture.RequestBurst - 1, StrictServerFixture.RequestBurst + 5);
        Assert.Equal(Sent - pongs, limited);

        // A request with an ACK is refused through its ACK: a second burst of SUBs (some tokens may have come back
        // while the PONGs were read, but not a burst's worth twice over).
        for (ulong serial = 1; serial <= Sent; serial++)
        {
            await client.SendAsync(Cmd.Sub, new Sub { Sub_ = Cmd.OnlineNtc }, 1000 + serial);
        }

        var subCodes = new List<uint>();
        for (int i = 0; i < Sent; i++)
        {
            var frame = await client.ReceiveAsync();
            Assert.Equal(Cmd.SubAck, frame.Type);
            subCodes.Add(frame.As(SubAck.Parser).Code);
        }

        Assert.All(subCodes, code => Assert.Contains(code, new[] { ResultCode.Ok, ResultCode.RateLimited }));
        Assert.Contains(ResultCode.RateLimited, subCodes);

        await Task.Delay(TimeSpan.FromSeconds(1));
        await client.AssertAliveAsync();
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
}
