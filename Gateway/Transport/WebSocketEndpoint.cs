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

        // A client that offers the packed subprotocol reads a message as frames back to back: it gets them packed.
        var packed = context.WebSockets.WebSocketRequestedProtocols.Contains(WebSocketFrameTransport.PackedProtocol);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(packed ? WebSocketFrameTransport.PackedProtocol : null);
        var transport = new WebSocketFrameTransport(socket, context.Connection.RemoteIpAddress?.ToString() ?? "?", services.Options.MaxBodyLength, packed);
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
