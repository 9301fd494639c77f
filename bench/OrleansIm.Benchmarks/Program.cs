using BenchmarkDotNet.Running;

// Micro-benchmarks of the hot path, with allocations:
//   dotnet run -c Release --project bench/OrleansIm.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
