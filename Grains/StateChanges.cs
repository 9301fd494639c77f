namespace OrleansIm.Grains;

/// <summary>Changes to persisted grain state that leave memory as it was when the write fails.</summary>
public static class StateChanges
{
    /// <summary>Applies <paramref name="change"/> and writes the state; if the write throws, the state before is restored.</summary>
    public static async Task ChangeAsync<TState>(this IPersistentState<TState> state, Action<TState> change)
        where TState : ICopyableState<TState>
    {
        var before = state.State.Clone();
        change(state.State);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = before;
            throw;
        }
    }
}
