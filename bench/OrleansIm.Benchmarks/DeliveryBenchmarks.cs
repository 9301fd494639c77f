using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrleansIm.Gateway;
using OrleansIm.Gateway.Commands;
using OrleansIm.Gateway.Diagnostics;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Gateway.Transport;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Benchmarks;

/// <summary>
/// The node's push path as a grain drives it: one encoded frame handed to <see cref="GatewayNode.Deliver"/> for
/// N local connections (real <see cref="ImConnection"/>s over in-memory pipes), measured until every connection's
/// writer put it into its pipe and a reader took it out.
/// </summary>
[MemoryDiagnoser]
public class DeliveryBenchmarks
{
    private readonly List<(ImConnection Connection, Pipe Input, Pipe Output, Task Running)> _connections = [];
    private GatewayNode _node = null!;
    private long[] _ids = [];
    private byte[] _frame = [];
    private int _received;
    private TaskCompletionSource _all = new();

    [Params(1, 1000)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = Options.Create(new GatewayOptions());
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var metrics = new ImMetrics(meters);

        // A node that is never started: no grains, no timers; it only indexes connections and delivers.
        _node = new GatewayNode(null!, null!, null!, options, TimeProvider.System, NullLogger<GatewayNode>.Instance);
        var router = new CommandRouter([], metrics, NullLogger<CommandRouter>.Instance);
        var services = new ConnectionServices(_node, router, options, TimeProvider.System, metrics, new Admission(options, TimeProvider.System), NullLogger<ImConnection>.Instance);
        _frame = FrameWriter.Encode(Cmd.Chat, FrameHeader.FlagSystem, 0, 0, 7,
            new Chat { Orig = 100_001, Dest = 100_002, Level = 0, Time = 1_700_000_000_000, Text = "a chat message of ordinary length" });
        for (int i = 0; i < Connections; i++)
        {
            // Kestrel hands a connection pipes backed by its own block pool; plain pipes rent 4 KB arrays from the
            // shared array pool, which cannot keep a thousand of them and makes them garbage: small segments here, so
            // that what is measured is the delivery, not that.
            var input = new Pipe();
            var output = new Pipe(new PipeOptions(minimumSegmentSize: 256));
            var connection = new ImConnection(new PipeFrameTransport(new DuplexPipe(input.Reader, output.Writer), "memory", () => { }), services);
            _connections.Add((connection, input, output, connection.RunAsync()));
            _ = DrainAsync(output.Reader);
        }

        _ids = [.. _connections.Select(c => c.Connection.Id)];
    }

    [Benchmark]
    public async Task DeliverToAll()
    {
        _received = 0;
        _all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _node.Deliver(_frame, _ids, 0, OrleansIm.Grains.Interfaces.PushOrder.None);
        await _all.Task;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var (_, input, _, _) in _connections)
        {
            input.Writer.Complete();
        }

        Task.WaitAll([.. _connections.Select(c => c.Running)], TimeSpan.FromSeconds(10));
    }

    private async Task DrainAsync(PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            var frames = (int)(result.Buffer.Length / _frame.Length);
            reader.AdvanceTo(result.Buffer.GetPosition(frames * _frame.Length), result.Buffer.End);
            if (frames > 0 && Interlocked.Add(ref _received, frames) == _connections.Count)
            {
                _all.TrySetResult();
            }

            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
