namespace OrleansIm.Grains;

/// <summary>A persisted state that can copy itself, so that a failed write can put the state back.</summary>
public interface ICopyableState<TState>
{
    TState Clone();
}
