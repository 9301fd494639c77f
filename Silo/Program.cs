using OrleansIm.Silo;

if (args.Length > 0 && args[0] == TokenCommand.Name)
{
    return TokenCommand.Run(args, Console.Out, Console.Error);
}

await ImHost.Build(args).RunAsync();
return 0;
