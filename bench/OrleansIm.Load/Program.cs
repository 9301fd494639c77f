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

var report = await new ChatLoad(options).RunAsync();
Console.WriteLine(report);
return report.Lost == 0 && report.Refused == 0 ? 0 : 1;
