namespace OrleansIm.Grains.Interfaces;

/// <summary>The answer to READ: the reply code and, on success, how many messages of the conversation are still unread.</summary>
[GenerateSerializer, Immutable, Alias("im.ReadOutcome")]
public sealed record ReadOutcome(
    [property: Id(0)] uint Code,
    [property: Id(1)] uint Unread);
