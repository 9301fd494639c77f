using OrleansIm.Cli;

// im: the command-line client of OrleansIm (TCP or WebSocket), and the admin HTTP API for operators.
// Exit codes: 0 done, 1 usage error, 2 refused by the server, 3 connection failure or no answer in time.
var output = new Output(args.Contains("--json"), Console.Out, Console.Error);
try
{
    var options = new CliOptions(args);
    if (options.Positional.Count == 0 || options.Has("help") || options.Positional[0] == "help")
    {
        Console.Out.Write(Help.Text);
        return options.Positional.Count == 0 && !options.Has("help") ? ExitCodes.Usage : ExitCodes.Ok;
    }

    using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = options.Timeout };
    var command = options.Positional;
    if (command[0] == "admin")
    {
        await new AdminCommands(http, output, options).RunAsync(command);
        return ExitCodes.Ok;
    }

    await using var session = await CliSession.OpenAsync(options, http);
    if (command[0] == "shell")
    {
        return await new Shell(session, output, options, http).RunAsync(Console.In);
    }

    await new UserCommands(session, output, options, live: false).RunAsync(command);
    return ExitCodes.Ok;
}
catch (UsageException ex)
{
    output.Error(ex.Message);
    return ExitCodes.Usage;
}
catch (RefusedException ex)
{
    output.Error(ex.Message);
    return ExitCodes.Refused;
}
catch (ConnectionException ex)
{
    output.Error(ex.Message);
    return ExitCodes.Connection;
}
