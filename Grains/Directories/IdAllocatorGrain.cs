using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Directories;

/// <summary>
/// Allocates ids from blocks: one state write reserves <see cref="BlockSize"/> ids, so allocation costs a write
/// only once per block, and a restart resumes after the last reserved block.
/// </summary>
[GrainType("idalloc")]
public sealed class IdAllocatorGrain(
    [PersistentState(StorageNames.IdAllocatorState, StorageNames.Provider)] IPersistentState<IdAllocatorState> state)
    : Grain, IIdAllocatorGrain
{
    private const ulong BlockSize = 1000;

    private ulong _next;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _next = Math.Max(state.State.ReservedUntil, IdKinds.FirstId(this.GetPrimaryKeyString()));
        return Task.CompletedTask;
    }

    public async Task<ulong> Next()
    {
        if (_next >= state.State.ReservedUntil)
        {
            var before = state.State.ReservedUntil;
            state.State.ReservedUntil = _next + BlockSize;
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                state.State.ReservedUntil = before;
                throw;
            }
        }

        return _next++;
    }
}
