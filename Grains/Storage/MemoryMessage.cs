namespace OrleansIm.Grains.Storage;

/// <summary>
/// A message body of the <see cref="InMemoryMessageStore"/>, shared by every log entry that holds it (stored once), so
/// replacing it (a recall's tombstone) changes it for all of them.
/// </summary>
internal sealed class MemoryMessage(long id, uint cmd, byte[] body, DateTimeOffset created)
{
    private byte[] _body = body;

    public long Id { get; } = id;

    public uint Cmd { get; } = cmd;

    public DateTimeOffset Created { get; } = created;

    public byte[] Body
    {
        get => Volatile.Read(ref _body);
        set => Volatile.Write(ref _body, value);
    }
}
