using Microsoft.AspNetCore.SignalR;

namespace OrleansIm.Peer;

/// <summary>The user is who the connection says it is (<c>?uid=</c>): a benchmark peer, not an authenticated server.</summary>
public sealed class QueryUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.GetHttpContext()?.Request.Query["uid"];
}
