namespace OrleansIm.Floor;

/// <summary>A room of the floor: its members as an array replaced on each join or leave, read without a lock.</summary>
public sealed class FloorRoom
{
    private readonly Lock _lock = new();
    private FloorConnection[] _members = [];

    public FloorConnection[] Members => Volatile.Read(ref _members);

    public void Join(FloorConnection connection)
    {
        lock (_lock)
        {
            _members = [.. _members, connection];
        }
    }

    public void Leave(FloorConnection connection)
    {
        lock (_lock)
        {
            _members = [.. _members.Where(m => m != connection)];
        }
    }
}
