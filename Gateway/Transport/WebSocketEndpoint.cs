using Microsoft.AspNetCore.Http;
using OrleansIm.Gateway.Sessions;

namespace OrleansIm.Gateway.Transport;

/// <summary>The WebSocket entry point at <c>/im</c>.</summary>
public static class WebSocketEndpoint
{
    public const string Path = "/im";

    public static async Task HandleAsync(HttpContext context, ConnectionServices services)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var transport = new WebSocketFrameTransport(socket, context.Connection.RemoteIpAddress?.ToString() ?? "?", services.Options.MaxBodyLength);
        await new ImConnection(transport, services, context.Connection.RemoteIpAddress).RunAsync();
        try
        {
            // Give the peer time to answer our close frame; then drop it.
            await transport.Pump.WaitAsync(services.Options.CloseFlushTimeout, services.Time);
        }
        catch (TimeoutException)
        {
            transport.Abort();
        }
    }
}
