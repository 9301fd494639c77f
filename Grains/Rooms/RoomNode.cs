using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Grains.Rooms;

/// <summary>A gateway node's share of a room: how many of its sessions are in each bucket.</summary>
public sealed class RoomNode(SessionAddress address)
{
    private readonly Dictionary<uint, int> _perBucket = [];
    private int _total;

    /// <summary>Any session address on that node: the node's observer and silo.</summary>
    public SessionAddress Address { get; } = address;

    public int InBucket(uint bucket) => _perBucket.GetValueOrDefault(bucket);

    public void Add(uint bucket)
    {
        _perBucket[bucket] = InBucket(bucket) + 1;
        _total++;
    }

    /// <summary>True when the node has no session left in the room.</summary>
    public bool Remove(uint bucket)
    {
        if (_perBucket.TryGetValue(bucket, out var n))
        {
            if (n <= 1)
            {
                _perBucket.Remove(bucket);
            }
            else
            {
                _perBucket[bucket] = n - 1;
            }

            _total--;
        }

        return _total <= 0;
    }
}
