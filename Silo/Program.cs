using OrleansIm.Silo;

if (args.Length > 0 && args[0] == TokenCommand.Name)
{
    return TokenCommand.Run(args, Console.Out, Console.Error);
}

try
{
    await ImHost.Build(args).RunAsync();
    return 0;
}
catch (Exception ex) when (ex is OrleansIm.Silo.Hosting.StartupException or Microsoft.Extensions.Options.OptionsValidationException)
{
    // A configuration that cannot work: one clear line, no stack trace, a non-zero exit code.
    Console.Error.WriteLine($"orleansim: cannot start: {ex.Message}");
    return 3;
}
