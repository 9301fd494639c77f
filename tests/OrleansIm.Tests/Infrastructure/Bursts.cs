using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>
/// Pipelined bursts for the ordering tests: requests written back to back without waiting for a reply, then every
/// reply collected and the seqs each got read back in send order.
/// </summary>
public static class Bursts
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The text of message <paramref name="i"/> of a burst tagged <paramref name="tag"/>.</summary>
    public static string Text(string tag, int i) => $"{tag}#{i}";

    /// <summary>
    /// Sends <paramref name="count"/> CHATs to <paramref name="dest"/> back to back (serials 1…count after
    /// <paramref name="firstSerial"/>) and returns the sender-inbox seq of each, in send order.
    /// </summary>
    public static async Task<ulong[]> ChatAsync(ImClient sender, ulong dest, int count, string tag, ulong firstSerial = 0)
    {
        for (int i = 0; i < count; i++)
        {
            await sender.SendAsync(Cmd.Chat, new Chat { Orig = sender.Uid, Dest = dest, Level = 0, Time = 1, Text = Text(tag, i) }, firstSerial + (ulong)i + 1);
        }

        return await CollectAsync(sender, Cmd.ChatAck, count, firstSerial, f =>
        {
            var ack = f.As(ChatAck.Parser);
            return (ack.Code, ack.Seq);
        });
    }

    /// <summary>Sends <paramref name="count"/> GROUP-CHATs back to back; returns the group seq of each, in send order.</summary>
    public static async Task<ulong[]> GroupChatAsync(ImClient sender, ulong gid, int count, string tag, ulong firstSerial = 0)
    {
        for (int i = 0; i < count; i++)
        {
            await sender.SendAsync(Cmd.GroupChat, new GroupChat { Uid = sender.Uid, Gid = gid, Level = 0, Time = 1, Text = Text(tag, i) }, firstSerial + (ulong)i + 1);
        }

        return await CollectAsync(sender, Cmd.GroupChatAck, count, firstSerial, f =>
        {
            var ack = f.As(GroupChatAck.Parser);
            return (ack.Code, ack.Seq);
        });
    }

    /// <summary>The texts of the next <paramref name="count"/> frames of <paramref name="cmd"/> pushed to a session, in arrival order.</summary>
    public static async Task<List<(ulong Seq, string Text)>> ReceiveAsync(ImClient session, uint cmd, int count, Func<ReceivedFrame, string> text)
    {
        var received = new List<(ulong, string)>(count);
        while (received.Count < count)
        {
            var frame = await session.ReceiveAsync(Patience);
            if (frame.Type == cmd)
            {
                received.Add((frame.Header.Serial, text(frame)));
            }
        }

        return received;
    }

    /// <summary>Fails unless <paramref name="seqs"/> (in send order) strictly grow.</summary>
    public static void AssertSendOrder(IReadOnlyList<ulong> seqs, string what)
    {
        for (int i = 1; i < seqs.Count; i++)
        {
            Assert.True(seqs[i] > seqs[i - 1], $"{what}: message {i} got seq {seqs[i]} after message {i - 1} got {seqs[i - 1]} (all: {string.Join(',', seqs)})");
        }
    }

    /// <summary>Fails unless <paramref name="texts"/> are the burst's messages 0…count-1 in order.</summary>
    public static void AssertTexts(string tag, int count, IEnumerable<string> texts, string what) =>
        Assert.True(Enumerable.Range(0, count).Select(i => Text(tag, i)).SequenceEqual(texts), $"{what}: {string.Join(',', texts)}");

    /// <summary>
    /// Deactivates every idle grain of the cluster (a user with a live session keeps its grain) and checks that some
    /// were: the next burst then meets a grain being activated again.
    /// </summary>
    public static async Task CollectIdleGrainsAsync(ImServer server)
    {
        var management = server.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var before = await management.GetTotalActivationCount();
        await management.ForceActivationCollection(TimeSpan.Zero);
        Assert.True(await management.GetTotalActivationCount() < before, "no idle grain was deactivated");
    }

    private static async Task<ulong[]> CollectAsync(ImClient sender, uint ackCmd, int count, ulong firstSerial, Func<ReceivedFrame, (uint Code, ulong Seq)> read)
    {
        var seqs = new ulong[count];
        int answered = 0;
        while (answered < count)
        {
            var frame = await sender.ReceiveAsync(Patience);
            if (frame.Type == Cmd.Except)
            {
                Assert.Fail($"a request of the burst was refused: {frame}");
            }

            if (frame.Type != ackCmd)
            {
                continue;
            }

            var (code, seq) = read(frame);
            Assert.Equal(0u, code);
            int index = checked((int)(frame.Header.Serial - firstSerial - 1));
            Assert.Equal(0ul, seqs[index]);
            seqs[index] = seq;
            answered++;
        }

        return seqs;
    }
}
