namespace OrleansIm.Grains.Interfaces;

/// <summary>One entry of an inbox or a group log: its seq (1, 2, 3 … per log), the command id and the encoded body.</summary>
[GenerateSerializer, Immutable, Alias("im.LogEntry")]
public sealed record LogEntry(
    [property: Id(0)] ulong Seq,
    [property: Id(1)] uint Cmd,
    [property: Id(2)] byte[] Body);
