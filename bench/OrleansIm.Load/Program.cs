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

if (options.Scenario == "room")
{
    var roomReport = await new RoomLoad(options).RunAsync();
    Console.WriteLine(roomReport);
    return roomReport.Lost == 0 ? 0 : 1;
}

if (options.Scenario == "group")
{
    var groupReport = await new GroupLoad(options).RunAsync();
    Console.WriteLine(groupReport);
    return groupReport.Lost == 0 ? 0 : 1;
}

var report = await new ChatLoad(options).RunAsync();
Console.WriteLine(report);
return report.Lost == 0 && report.Refused == 0 ? 0 : 1;
