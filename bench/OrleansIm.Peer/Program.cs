using System.Net;
using Microsoft.AspNetCore.SignalR;
using OrleansIm.Peer;

// The peer of the benchmarks: an ASP.NET Core SignalR hub (WebSocket, MessagePack) doing the same relay as the
// product: a message to a user, and a broadcast to a room. What an app team would write instead of OrleansIm.
//   OrleansIm.Peer --http 8202
int http = 8202;
if (args.Length == 2 && args[0] == "--http")
{
    http = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
}
else if (args.Length != 0)
{
    Console.Error.WriteLine("usage: OrleansIm.Peer [--http 8202]");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, http));
builder.Services.AddSignalR().AddMessagePackProtocol();
builder.Services.AddSingleton<IUserIdProvider, QueryUserIdProvider>();
var app = builder.Build();
app.MapGet("/healthz", () => "ok");
app.MapHub<RelayHub>("/hub");
await app.RunAsync();
return 0;
