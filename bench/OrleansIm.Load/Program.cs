using OrleansIm.Load;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

if (options.Scenario == "idle")
{
    Console.WriteLine(options.Client switch
    {
        "signalr" => await new OrleansIm.Load.SignalR.SignalRIdle(options).RunAsync(),
        "signalr-lean" => await new OrleansIm.Load.SignalR.LeanHubIdle(options).RunAsync(),
        _ => await new OrleansIm.Load.Lean.LeanIdle(options).RunAsync(),
    });
    return 0;
}

if (options.Scenario == "storm")
{
    Console.WriteLine(await new OrleansIm.Load.Lean.LeanStorm(options).RunAsync());
    return 0;
}

if (options.Scenario == "room")
{
    var roomReport = options.Client switch
    {
        "signalr" => await new OrleansIm.Load.SignalR.SignalRRoom(options).RunAsync(),
        "signalr-lean" => await new OrleansIm.Load.SignalR.LeanHubRoom(options).RunAsync(),
        _ => await new OrleansIm.Load.Lean.LeanRoom(options).RunAsync(),
    };
    Console.WriteLine(roomReport);
    return roomReport.Lost == 0 ? 0 : 1;
}

if (options.Scenario == "soak")
{
    var soakReport = await new SoakLoad(options).RunAsync();
    Console.WriteLine(soakReport);
    return soakReport.Errors == 0 ? 0 : 1;
}

if (options.Scenario == "groupchat")
{
    var groupChatReport = await new OrleansIm.Load.Lean.LeanGroupChat(options).RunAsync();
    Console.WriteLine(groupChatReport);
    return groupChatReport.Lost == 0 && groupChatReport.Refused == 0 ? 0 : 1;
}

if (options.Scenario == "group")
{
    var groupReport = await new GroupLoad(options).RunAsync();
    Console.WriteLine(groupReport);
    return groupReport.Lost == 0 ? 0 : 1;
}

var report = options.Client switch
{
    "signalr" => await new OrleansIm.Load.SignalR.SignalRChat(options).RunAsync(),
    "signalr-lean" => await new OrleansIm.Load.SignalR.LeanHubChat(options).RunAsync(),
    _ => await new OrleansIm.Load.Lean.LeanChat(options).RunAsync(),
};
Console.WriteLine(report);
return report.Lost == 0 && report.Refused == 0 ? 0 : 1;
