using Microsoft.Extensions.Time.Testing;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Tests.Ordering;

/// <summary>A node delivers each run of pushes in the order its grain made them, on a clock the test drives.</summary>
public sealed class PushSequencerTests
{
    private static readonly TimeSpan GapWait = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new();
    private readonly List<string> _delivered = [];

    private PushSequencer NewSequencer() => new(_time, GapWait);

    private void Push(PushSequencer pushes, ulong source, ulong seq) =>
        pushes.Accept(new PushOrder(source, seq), $"{source}:{seq}", _delivered.Add);

    [Fact]
    public void Pushes_that_arrive_in_reverse_are_delivered_in_run_order()
    {
        var pushes = NewSequencer();
        for (ulong seq = 5; seq >= 2; seq--)
        {
            Push(pushes, 7, seq);
        }

        Assert.Empty(_delivered);
        Assert.Equal(4, pushes.Waiting);

        Push(pushes, 7, 1);
        Assert.Equal(["7:1", "7:2", "7:3", "7:4", "7:5"], _delivered);
        Assert.Equal(0, pushes.Waiting);
    }

    [Fact]
    public void Runs_of_different_sources_do_not_wait_for_each_other_and_unordered_pushes_pass()
    {
        var pushes = NewSequencer();
        Push(pushes, 1, 2);
        Push(pushes, 2, 1);
        pushes.Accept(PushOrder.None, "local", _delivered.Add);
        Push(pushes, 1, 1);
        Assert.Equal(["2:1", "local", "1:1", "1:2"], _delivered);
    }

    [Fact]
    public void A_push_that_never_comes_is_given_up_after_the_gap_wait_and_a_late_one_still_goes_out()
    {
        var pushes = NewSequencer();
        Push(pushes, 9, 1);
        Push(pushes, 9, 3);
        Push(pushes, 9, 4);
        Assert.Equal(["9:1"], _delivered);

        _time.Advance(GapWait / 2);
        pushes.Sweep();
        Assert.Equal(["9:1"], _delivered);

        _time.Advance(GapWait / 2);
        pushes.Sweep();
        Assert.Equal(["9:1", "9:3", "9:4"], _delivered);

        // Seq 2 was lost as far as the node could tell; arriving late it is delivered rather than dropped, and the
        // run goes on after 4.
        Push(pushes, 9, 2);
        Push(pushes, 9, 5);
        Assert.Equal(["9:1", "9:3", "9:4", "9:2", "9:5"], _delivered);
    }

    [Fact]
    public void A_quiet_run_is_forgotten_and_a_new_run_of_the_same_grain_starts_at_one()
    {
        var pushes = NewSequencer();
        Push(pushes, 3, 1);
        _time.Advance(PushOrder.ForgetAfter);
        pushes.Sweep();

        // Forgotten: seq 2 of that run would now wait for a seq 1 (the grain starts a new run long before this).
        Push(pushes, 3, 2);
        Assert.Equal(["3:1"], _delivered);
        Push(pushes, 4, 1);
        Assert.Equal(["3:1", "4:1"], _delivered);
    }
}
