namespace OrleansIm.Tests.Infrastructure;

/// <summary>
/// Tests that measure how fast the product recovers against a fixed limit. xUnit runs this collection alone, after the
/// parallel ones, so the limit is held against the product on an otherwise idle machine rather than against whatever
/// else the suite is doing on the same two cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTimingCollection
{
    public const string Name = "serial timing";
}
