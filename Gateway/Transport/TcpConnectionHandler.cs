using Microsoft.AspNetCore.Connections;
using OrleansIm.Gateway.Sessions;

namespace OrleansIm.Gateway.Transport;

/// <summary>Kestrel's entry point for the raw TCP port.</summary>
public sealed class TcpConnectionHandler(ConnectionServices services) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) =>
        new ImConnection(new PipeFrameTransport(connection), services, (connection.RemoteEndPoint as System.Net.IPEndPoint)?.Address).RunAsync();
}
