using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansIm.Load.SignalR;

/// <summary>Connections to the SignalR peer (bench/OrleansIm.Peer): WebSocket only, MessagePack, no negotiate round trip.</summary>
public static class PeerConnections
{
    public static async Task<HubConnection> ConnectAsync(LoadOptions options, ulong uid)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl($"http://{options.Host}:{options.HttpPort}/hub?uid={uid}", HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
            .AddMessagePackProtocol()
            .Build();
        connection.ServerTimeout = TimeSpan.FromMinutes(5);
        await connection.StartAsync();
        return connection;
    }
}
