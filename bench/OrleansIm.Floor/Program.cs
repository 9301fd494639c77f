using System.Net;
using Microsoft.AspNetCore.Connections;
using OrleansIm.Floor;

// The floor of the benchmarks: a bare Kestrel relay of the same frames as the product (ONLINE, PING, CHAT to a
// user, nothing stored, no grains), over raw TCP and WebSocket. Whatever the product does beyond this is its cost.
//   OrleansIm.Floor --http 8102 --tcp 9102
int http = 8102, tcp = 9102;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--http": http = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--tcp": tcp = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine("usage: OrleansIm.Floor [--http 8102] [--tcp 9102]"); return 2;
    }
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton<FloorRelay>();
builder.Services.AddSingleton<FloorTcpHandler>();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(IPAddress.Loopback, http);
    kestrel.Listen(IPAddress.Loopback, tcp, listen => listen.UseConnectionHandler<FloorTcpHandler>());
});

var app = builder.Build();
app.UseWebSockets();
app.MapGet("/healthz", () => "ok");

// The load tool logs in through the same dev-token call as against the product; the floor checks no token.
app.MapGet("/api/dev/token", () => Results.Json(new { token = "floor" }));
app.Map("/im", async (HttpContext context, FloorRelay relay) =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        return Results.BadRequest();
    }

    // As OrleansIm does: a client that offers the packed subprotocol gets the frames of a flush in one message.
    var packed = context.WebSockets.WebSocketRequestedProtocols.Contains(FloorWebSocketTransport.PackedProtocol);
    using var socket = await context.WebSockets.AcceptWebSocketAsync(packed ? FloorWebSocketTransport.PackedProtocol : null);
    await new FloorConnection(relay, new FloorWebSocketTransport(socket, packed)).RunAsync();
    return Results.Empty;
});
await app.RunAsync();
return 0;
