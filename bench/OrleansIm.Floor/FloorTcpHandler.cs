using Microsoft.AspNetCore.Connections;

namespace OrleansIm.Floor;

/// <summary>Kestrel's entry point for the floor's raw TCP port.</summary>
public sealed class FloorTcpHandler(FloorRelay relay) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) =>
        new FloorConnection(relay, new FloorPipeTransport(connection.Transport, connection.Abort)).RunAsync();
}
