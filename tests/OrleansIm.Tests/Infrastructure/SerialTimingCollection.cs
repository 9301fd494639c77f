namespace OrleansIm.Tests.Infrastructure;

/// <summary>
/// Tests that hold the product to a fixed limit of time or memory (recovery within 15 s, the fuzz run's heap growth).
/// xUnit runs this collection alone, after the parallel ones, so the limit is held against the product on an
/// otherwise idle process and machine rather than against whatever else the suite is doing on the same two cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTimingCollection
{
    public const string Name = "serial timing";
}
