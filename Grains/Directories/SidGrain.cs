using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Directories;

/// <summary>Binds a device id to the first user that uses it.</summary>
[GrainType("sid")]
public sealed class SidGrain(
    [PersistentState(StorageNames.SidState, StorageNames.Provider)] IPersistentState<SidState> state) : Grain, ISidGrain
{
    public async Task<bool> TryBind(ulong uid)
    {
        // Asked once per login and never again for that session: no reason to hold an activation per device.
        DeactivateOnIdle();

        if (state.State.OwnerUid == uid)
        {
            return true;
        }

        if (state.State.OwnerUid != 0)
        {
            return false;
        }

        state.State.OwnerUid = uid;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // A failed write leaves memory as it was before the call.
            state.State.OwnerUid = 0;
            throw;
        }

        return true;
    }
}
