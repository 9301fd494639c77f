using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansIm.Tests.Postgres;

/// <summary>
/// PostgreSQL faults under chat load, on a server of the test's own: every backend terminated, then the server
/// stopped and started again. Requests are answered promptly (0 or 10001), nothing acknowledged is lost, retries
/// with the same serial are not stored twice, /readyz tells the outage, and service comes back by itself.
/// </summary>
public sealed class DatabaseFaultTests(ITestOutputHelper log)
{
    private sealed record Answer(ulong Serial, uint Code, TimeSpan Latency, string Phase);

    [Fact]
    public async Task Cut_connections_and_a_stopped_database_are_answered_promptly_lose_nothing_and_heal()
    {
        var pg = await PostgresCluster.StartPrivateAsync();
        try
        {
            var db = await pg.CreateDatabaseAsync();
            await using var server = await PostgresServers.StartAsync(db, new Dictionary<string, string?>
            {
                ["Gateway:RequestsPerSecond"] = "100000",
                ["Gateway:RequestBurst"] = "100000",
            });
            using var http = new HttpClient { BaseAddress = server.HttpUri, Timeout = TimeSpan.FromSeconds(30) };
            ulong writerUid = Ids.Next(), readerUid = Ids.Next();
            await using var writer = await server.LoginAsync("tcp", writerUid);
            await using var reader = await server.LoginAsync("tcp", readerUid);
            writer.DefaultTimeout = TimeSpan.FromSeconds(60);

            var answers = new ConcurrentQueue<Answer>();
            var phase = "before";
            long next = 0;
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var serial = (ulong)Interlocked.Increment(ref next);
                    var clock = Stopwatch.StartNew();
                    var ack = await writer.ChatAsync(readerUid, $"m{serial}", serial);
                    answers.Enqueue(new Answer(serial, ack.Code, clock.Elapsed, Volatile.Read(ref phase)));
                    if (ack.Code != 0)
                    {
                        await Task.Delay(50);
                    }
                }
            })).ToArray();

            await Task.Delay(2000);
            Volatile.Write(ref phase, "backends terminated");
            var terminated = await pg.TerminateBackendsAsync(db);
            await Task.Delay(2000);

            Volatile.Write(ref phase, "database stopped");
            var outage = Stopwatch.StartNew();
            await pg.StopAsync();
            var notReady = await EventuallyStatusAsync(http, HttpStatusCode.ServiceUnavailable);
            await Task.Delay(3000);

            Volatile.Write(ref phase, "database back");
            await pg.StartAgainAsync();
            var back = Stopwatch.StartNew();
            await EventuallyStatusAsync(http, HttpStatusCode.OK);
            await Transports.EventuallyAsync(() => Task.FromResult(answers.Any(a => a.Phase == "database back" && a.Code == 0 && a.Latency < TimeSpan.FromSeconds(1))),
                "chat acknowledged again", TimeSpan.FromSeconds(60));
            var recovered = back.Elapsed;
            await Task.Delay(1000);
            stop.Cancel();
            await Task.WhenAll(load);

            var all = answers.ToList();
            var slowest = all.Max(a => a.Latency);
            Assert.All(all, a => Assert.Contains(a.Code, new[] { ResultCode.Ok, ResultCode.Internal, ResultCode.Unavailable }));
            Assert.Contains(all, a => a.Phase == "database stopped" && a.Code == ResultCode.Internal);
            Assert.True(slowest < TimeSpan.FromSeconds(10), $"an answer took {slowest.TotalSeconds:F1} s");

            // Every serial that was refused is sent again until accepted; acknowledged ones keep their seq.
            var acked = all.Where(a => a.Code == 0).Select(a => a.Serial).ToHashSet();
            var retried = 0;
            foreach (var serial in all.Select(a => a.Serial).Distinct().Where(s => !acked.Contains(s)))
            {
                Assert.Equal(0u, (await writer.ChatAsync(readerUid, $"m{serial}", serial)).Code);
                retried++;
            }

            // A second device of the reader replays the inbox (the first one's queue also holds the live pushes).
            await using var replay = await server.LoginAsync("tcp", readerUid);
            var (sync, frames) = await replay.SyncAsync(0, TimeSpan.FromSeconds(60));
            var texts = frames.Where(f => f.Type == Cmd.Chat).Select(f => f.As(Chat.Parser).Text).ToList();
            var sent = all.Select(a => a.Serial).Distinct().Count();
            Assert.Equal(sent, texts.Count);
            Assert.Equal(sent, texts.Distinct().Count());
            Assert.Equal(Enumerable.Range(1, texts.Count).Select(i => (ulong)i), frames.Where(f => f.Type == Cmd.Chat).Select(f => f.Header.Serial));

            foreach (var group in all.GroupBy(a => a.Phase))
            {
                log.WriteLine($"{group.Key}: {group.Count()} answers, {group.Count(a => a.Code == 0)} ok, {group.Count(a => a.Code == ResultCode.Internal)} x 10001, " +
                    $"{group.Count(a => a.Code == ResultCode.Unavailable)} x 10002, slowest {group.Max(a => a.Latency).TotalMilliseconds:F0} ms");
            }

            log.WriteLine($"{terminated} backends terminated; /readyz 503 after {notReady.TotalSeconds:F1} s of outage; service back {recovered.TotalSeconds:F1} s " +
                $"after PostgreSQL restarted; {sent} messages sent, {acked.Count} acknowledged first time, {retried} retried with their serial; " +
                $"inbox: {texts.Count} messages, seqs 1..{texts.Count}, none twice");
        }
        finally
        {
            pg.Dispose();
        }
    }

    private static async Task<TimeSpan> EventuallyStatusAsync(HttpClient http, HttpStatusCode expected)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if ((await http.GetAsync("/readyz")).StatusCode == expected)
                {
                    return clock.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // The server is up; a failed request is not the answer we wait for.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"/readyz never answered {(int)expected}");
    }
}
