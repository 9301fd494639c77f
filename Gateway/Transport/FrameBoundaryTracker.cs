using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Transport;

/// <summary>
/// Follows frame boundaries through a byte stream without buffering it, so a WebSocket message can be checked to
/// hold whole frames only. Header validity itself is the frame reader's job.
/// </summary>
public struct FrameBoundaryTracker
{
    private int _headerSeen;
    private long _bodyLeft;
    private uint _length;
    private uint _frameLength;

    /// <summary>True when the bytes so far end exactly at a frame boundary.</summary>
    public readonly bool AtBoundary => _headerSeen == 0 && _bodyLeft == 0;

    /// <summary>True inside the body of a frame whose header announced more than <paramref name="maxBodyLength"/> bytes.</summary>
    public readonly bool InsideOversizedFrame(int maxBodyLength) => _bodyLeft > 0 && _frameLength > (uint)maxBodyLength;

    public void Advance(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_bodyLeft > 0)
            {
                int take = (int)Math.Min(_bodyLeft, bytes.Length);
                _bodyLeft -= take;
                bytes = bytes[take..];
                continue;
            }

            // Inside a header: only the length field (bytes 8..11) matters here.
            int headerTake = Math.Min(FrameHeader.Size - _headerSeen, bytes.Length);
            for (int i = 0; i < headerTake; i++)
            {
                int pos = _headerSeen + i;
                if (pos is >= 8 and < 12)
                {
                    _length = (_length << 8) | bytes[i];
                }
            }

            _headerSeen += headerTake;
            bytes = bytes[headerTake..];
            if (_headerSeen == FrameHeader.Size)
            {
                _bodyLeft = _length;
                _frameLength = _length;
                _headerSeen = 0;
                _length = 0;
            }
        }
    }
}
