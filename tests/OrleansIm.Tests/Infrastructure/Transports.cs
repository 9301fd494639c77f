using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>Theory data and assertions shared by the gateway tests.</summary>
public static class Transports
{
    public static TheoryData<string> Both => new() { "tcp", "ws" };

    /// <summary>Reads the next frame, which must be EXCEPT with <paramref name="code"/>; returns its body.</summary>
    public static async Task<Except> ExpectExceptAsync(this ImClient client, uint code)
    {
        var frame = await client.ReceiveAsync();
        Assert.True(frame.Type == Cmd.Except, $"expected EXCEPT {code}, got {frame}");
        var except = frame.As(Except.Parser);
        Assert.Equal(code, except.Code);
        return except;
    }

    /// <summary>The connection still answers: a PING gets its PONG.</summary>
    public static async Task AssertAliveAsync(this ImClient client)
    {
        var pong = await client.RequestAsync(Cmd.Ping, null);
        Assert.Equal(Cmd.Pong, pong.Type);
    }

    /// <summary>
    /// Sends a PING and reads every frame up to its PONG: the frames the server queued for this session before it.
    /// A frame that should not have been sent is caught however late it was written, as long as it was written
    /// before the PING was answered, with no waiting for a quiet period.
    /// </summary>
    public static async Task<List<ReceivedFrame>> FramesBeforeSentinelAsync(this ImClient client)
    {
        var serial = Ids.Next();
        await client.SendAsync(Cmd.Ping, null, serial);
        var before = new List<ReceivedFrame>();
        while (true)
        {
            var frame = await client.ReceiveAsync(TimeSpan.FromSeconds(10));
            if (frame.Type == Cmd.Pong && frame.Header.Serial == serial)
            {
                return before;
            }

            before.Add(frame);
        }
    }

    /// <summary>Nothing (or nothing of <paramref name="cmd"/>) was sent to this session before a PING's PONG.</summary>
    public static async Task AssertNothingSentAsync(this ImClient client, uint? cmd = null)
    {
        var before = await client.FramesBeforeSentinelAsync();
        var wrong = before.Where(f => cmd is null || f.Type == cmd).ToList();
        Assert.True(wrong.Count == 0, $"unexpected frames: {string.Join(", ", wrong)}");
    }

    public static async Task AssertClosedAsync(this ImClient client) =>
        Assert.True(await client.WaitClosedAsync(TimeSpan.FromSeconds(10)), "the server did not close the connection");

    /// <summary>Polls <paramref name="condition"/> until it holds or the time is up.</summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        EventuallyAsync(condition, () => what, timeout);

    /// <summary>As above; <paramref name="what"/> is evaluated on failure, so it can report the last state seen.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what()}");
            await Task.Delay(50);
        }
    }
}
