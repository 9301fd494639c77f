namespace OrleansIm.Load;

/// <summary>The lean clients' receive buffers: unread bytes between start and end of one array.</summary>
internal static class ReceiveBuffers
{
    /// <summary>Room left at the end of the buffer before each receive.</summary>
    public const int ReadSpace = 16 * 1024;

    /// <summary>
    /// Makes <see cref="ReadSpace"/> free at the end: back to the start when everything was read, the unread bytes
    /// moved to the front when that frees enough, else the buffer doubled.
    /// </summary>
    public static void MakeRoom(ref byte[] buffer, ref int start, ref int end)
    {
        if (start > 0 && start == end)
        {
            start = end = 0;
        }

        if (buffer.Length - end < ReadSpace)
        {
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            else
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
    }
}
