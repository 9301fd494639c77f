using System.Net.Http.Json;
using OrleansIm.Client;
using OrleansIm.Protocol;

namespace OrleansIm.Load;

/// <summary>
/// Logs in full <see cref="ImClient"/>s for the scenarios that use the client library (group). Logins use the
/// Development token endpoint, so the server must run in Development.
/// </summary>
public sealed class ImClientConnector(LoadOptions options)
{
    private sealed record TokenReply(string Token);

    internal async Task<ImClient> ConnectAsync(HttpClient http, ulong uid, int index)
    {
        var token = (await http.GetFromJsonAsync<TokenReply>($"api/dev/token?uid={uid}"))!.Token;
        var client = options.UsesWebSocket(index)
            ? await ImClient.ConnectWebSocketAsync(new Uri($"ws://{options.HostOf(index)}:{options.HttpPort}/im"))
            : await ImClient.ConnectTcpAsync(options.HostOf(index), options.TcpPort);
        client.DefaultTimeout = TimeSpan.FromSeconds(60);
        var ack = await client.LoginAsync(uid, token);
        if (ack.Code != ResultCode.Ok)
        {
            throw new InvalidOperationException($"login of {uid} failed with {ack.Code}");
        }

        return client;
    }
}
