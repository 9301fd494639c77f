using System.Buffers;

namespace OrleansIm.Gateway.Transport;

/// <summary>
/// The frames of one write, gathered in an array lent by the shared pool and given back once the write is handed
/// on: a connection holds a buffer only while it writes, so an idle session holds none.
/// </summary>
public sealed class PooledBatch : IBufferWriter<byte>
{
    private const int FirstBytes = 4096;

    private byte[]? _buffer;
    private int _written;

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count)
    {
        if (count < 0 || _buffer is null || _written + count > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

    /// <summary>Gives the array back; what was written is gone.</summary>
    public void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _written = 0;
    }

    private byte[] Reserve(int sizeHint)
    {
        int needed = _written + Math.Max(sizeHint, 1);
        if (_buffer is null)
        {
            return _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(needed, FirstBytes));
        }

        if (needed > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
            _buffer.AsSpan(0, _written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        return _buffer;
    }
}
