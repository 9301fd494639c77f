using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Commands;

/// <summary>
/// The CHATs of one session on their way to their receivers' grains. To each receiver one call is in flight at a
/// time: the messages that arrive meanwhile wait and go together in the next call (<see cref="IUserGrain.ReceiveChats"/>),
/// and what they stored goes to the sender's own grain in one call after it. A lone message goes at once, so a quiet
/// connection waits for nothing; a busy one makes three grain messages per batch instead of three per CHAT.
/// </summary>
/// <remarks>
/// <see cref="SendAsync"/> is called in the order the connection's messages to a receiver are issued (the request
/// pipeline issues a lane's requests under its lock, and the handler calls this before its first await), so a batch
/// holds them in send order, and a batch is sent only after the one before it to the same receiver was answered.
/// </remarks>
public sealed class ChatSends(IGrainRefs refs, ulong orig, ulong sid)
{
    private readonly Lock _lock = new();

    // A receiver is here while a call to it is in flight; its list holds the messages waiting for the next one.
    private readonly Dictionary<ulong, List<Pending>?> _inFlight = [];

    /// <summary>Sends one CHAT body with its serial and order to <paramref name="dest"/>; completes with its delivery.</summary>
    public Task<ChatDelivery> SendAsync(ulong dest, ulong serial, byte[] body, CallOrder order)
    {
        var pending = new Pending(serial, body, order);
        lock (_lock)
        {
            if (_inFlight.TryGetValue(dest, out var waiting))
            {
                if (waiting is null)
                {
                    _inFlight[dest] = waiting = [];
                }

                waiting.Add(pending);
                return pending.Task;
            }

            _inFlight.Add(dest, null);
        }

        Send(dest, [pending]);
        return pending.Task;
    }

    private void Send(ulong dest, List<Pending> batch)
    {
        var serials = new ulong[batch.Count];
        var bodies = new byte[batch.Count][];
        for (int i = 0; i < batch.Count; i++)
        {
            serials[i] = batch[i].Serial;
            bodies[i] = batch[i].Body;
        }

        // The batch follows its first message's predecessor and stands at its last message's index.
        var first = batch[0].Order;
        var last = batch[^1].Order;
        var order = first.Index == 0 ? CallOrder.None : last with { After = first.After };
        Task<ChatDelivery[]> call;
        try
        {
            call = refs.User(dest).ReceiveChats(new ChatBatch(orig, serials, bodies, order));
        }
        catch (Exception ex)
        {
            call = Task.FromException<ChatDelivery[]>(ex);
        }

        _ = AnsweredAsync(dest, batch, bodies, call);
    }

    private async Task AnsweredAsync(ulong dest, List<Pending> batch, byte[][] bodies, Task<ChatDelivery[]> call)
    {
        ChatDelivery[]? deliveries = null;
        Exception? failed = null;
        try
        {
            deliveries = await call.ConfigureAwait(false);
            if (deliveries.Length != batch.Count)
            {
                failed = new InvalidOperationException($"{batch.Count} messages were answered with {deliveries.Length} deliveries");
            }
        }
        catch (Exception ex)
        {
            failed = ex;
        }

        // The sender's grain hears of this batch before the next one is sent, so its copies mostly keep seq order.
        if (failed is null)
        {
            NotifySender(deliveries!, bodies);
        }

        // The next batch to this receiver goes before these are answered: nothing waits on the replies.
        List<Pending>? next;
        lock (_lock)
        {
            _inFlight.TryGetValue(dest, out next);
            if (next is null)
            {
                _inFlight.Remove(dest);
            }
            else
            {
                _inFlight[dest] = null;
            }
        }

        if (next is not null)
        {
            Send(dest, next);
        }

        if (failed is not null)
        {
            foreach (var pending in batch)
            {
                pending.SetException(failed);
            }

            return;
        }

        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].SetResult(deliveries![i]);
        }
    }

    /// <summary>
    /// The sender's grain learns what it sent (its head, its conversations), and its other devices see it; a repeat
    /// was pushed to them the first time.
    /// </summary>
    private void NotifySender(ChatDelivery[] deliveries, byte[][] bodies)
    {
        int stored = 0;
        foreach (var delivery in deliveries)
        {
            if (delivery.Code == Protocol.ResultCode.Ok && delivery.Stored)
            {
                stored++;
            }
        }

        if (stored == 0)
        {
            return;
        }

        var seqs = new ulong[stored];
        var sent = stored == bodies.Length ? bodies : new byte[stored][];
        int next = 0;
        for (int i = 0; i < deliveries.Length; i++)
        {
            if (deliveries[i].Code == Protocol.ResultCode.Ok && deliveries[i].Stored)
            {
                seqs[next] = deliveries[i].SenderSeq;
                sent[next++] = bodies[i];
            }
        }

        refs.User(orig).OnChatsSent(new SentChats(sid, seqs, sent)).Ignore();
    }

    private sealed class Pending(ulong serial, byte[] body, CallOrder order) : TaskCompletionSource<ChatDelivery>
    {
        public ulong Serial { get; } = serial;

        public byte[] Body { get; } = body;

        public CallOrder Order { get; } = order;
    }
}
