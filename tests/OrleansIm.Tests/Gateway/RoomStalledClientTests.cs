using System.IO.Pipelines;
using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Client;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Gateway.Transport;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

public sealed class RoomStalledClientTests : IAsyncLifetime
{
    private const int QueueFrames = 64;
    private ImServer _server = null!;

    public async Task InitializeAsync() => _server = await ImServer.StartAsync(new Dictionary<string, string?>
    {
        ["Gateway:OutboundQueueFrames"] = QueueFrames.ToString(),
        ["Gateway:RequestsPerSecond"] = "100000",
        ["Gateway:RequestBurst"] = "100000",
    });

    public Task DisposeAsync() => _server.StopAsync();

    [Fact]
    public async Task A_client_that_never_reads_in_a_room_of_1000_is_disconnected_and_the_others_get_everything()
    {
        await using var owner = await _server.LoginAsync("tcp", Ids.Next());
        var rid = await owner.CreateRoomAsync();
        var readers = new List<ImClient>();
        for (int i = 0; i < 999; i++)
        {
            var client = await _server.LoginAsync(i % 2 == 0 ? "tcp" : "ws", Ids.Next());
            Assert.Equal(0u, (await client.JoinRoomAsync(rid)).Code);
            readers.Add(client);
        }

        // The stalled session: a real connection handler over pipes whose output nobody reads.
        var input = new Pipe();
        var output = new Pipe(new PipeOptions(pauseWriterThreshold: 64, resumeWriterThreshold: 32));
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transport = new PipeFrameTransport(new DuplexPipe(input.Reader, output.Writer), "memory", () =>
        {
            aborted.TrySetResult();
            output.Reader.Complete();
        });
        var running = new ImConnection(transport, _server.Services.GetRequiredService<ConnectionServices>()).RunAsync();
        var stalledUid = Ids.Next();
        await input.Writer.WriteAsync(FrameWriter.Encode(Cmd.Online, 1, 0, 0, 1, new Online { Uid = stalledUid, Sid = 0, Token = _server.Token(stalledUid), App = "a", Version = "1" }));
        await input.Writer.WriteAsync(FrameWriter.Encode(Cmd.RoomJoin, 1, 0, 0, 2, new RoomJoin { Uid = stalledUid, Rid = rid }));
        await Transports.EventuallyAsync(async () => (await owner.CountAsync(rid)).Num == 1000, "1000 sessions in the room");

        // Rounds of a quarter queue: every reader drains each round before the next, so only the session that
        // never reads can run out of queue, however slowly the machine schedules the others.
        const int Round = QueueFrames / 4;
        const int Broadcasts = QueueFrames * 3;
        for (int first = 0; first < Broadcasts; first += Round)
        {
            for (int i = first; i < first + Round; i++)
            {
                Assert.Equal(0u, await owner.BroadcastAsync(rid, BitConverter.GetBytes(i), expire: 0));
            }

            await Task.WhenAll(readers.Select(async reader =>
            {
                for (int i = first; i < first + Round; i++)
                {
                    var frame = await reader.ReceiveAsync(Cmd.RoomBc, TimeSpan.FromSeconds(30));
                    Assert.Equal(i, BitConverter.ToInt32(frame.As(RoomBc.Parser).Data.Span));
                }
            }));
        }

        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await running.WaitAsync(TimeSpan.FromSeconds(30));

        await Transports.EventuallyAsync(async () => (await owner.CountAsync(rid)).Num == 999, "the stalled session to leave the room");
        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
        }
    }
}
