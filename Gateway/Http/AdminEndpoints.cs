using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using OrleansIm.Gateway.Auth;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Gateway.Http;

/// <summary>
/// The admin API under <c>/api</c> (bearer token with the admin role: 401 without a valid token, 403 with another
/// role): server pushes, kicking a user, account export and erase (<see cref="AccountEndpoints"/>), rooms, group
/// members, stats and the node directory. <c>/api/iplist</c>
/// is public, for clients choosing a gateway.
/// </summary>
public static class AdminEndpoints
{
    /// <summary>KICK code sent to the sessions of a user kicked through the admin API.</summary>
    public const uint AdminKickCode = ResultCode.PermissionDenied;

    public sealed record RoomCreateRequest(ulong Owner, ulong Rid, string? Name, string? Desc);

    public static void MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/iplist", IpListAsync).WithName("IpList");

        var admin = app.MapGroup("/api").AddEndpointFilter(async (context, next) =>
        {
            var tokens = context.HttpContext.RequestServices.GetService(typeof(TokenService)) as TokenService;
            var outcome = await AdminAuth.AuthenticateAsync(context.HttpContext, tokens!);
            context.HttpContext.Items[AccountEndpoints.CallerItem] = outcome.Caller;
            return outcome.Failure ?? await next(context);
        });

        admin.MapPost("/push/broadcast", BroadcastAsync).WithName("PushBroadcast");
        admin.MapPost("/push/users/{uid}", PushToUserAsync).WithName("PushToUser");
        admin.MapPost("/users/{uid}/kick", KickUserAsync).WithName("KickUser");
        // The body is read inside the handler, so that a missing token is refused (401) before the body is judged.
        admin.MapPost("/rooms", CreateRoomAsync).Accepts<RoomCreateRequest>("application/json").WithName("CreateRoom");
        admin.MapPut("/rooms/{rid}/bans/{uid}", (ulong rid, ulong uid, IGrainFactory grains) => SetBanAsync(grains, rid, uid, true)).WithName("BanFromRoom");
        admin.MapDelete("/rooms/{rid}/bans/{uid}", (ulong rid, ulong uid, IGrainFactory grains) => SetBanAsync(grains, rid, uid, false)).WithName("UnbanFromRoom");
        admin.MapPut("/rooms/{rid}/managers/{uid}", async (ulong rid, ulong uid, IGrainFactory grains) =>
            FromCode(await grains.GetGrain<IRoomGrain>((long)rid).SetManager(uid, true), Results.NoContent())).WithName("AddRoomManager");
        admin.MapDelete("/rooms/{rid}/managers/{uid}", async (ulong rid, ulong uid, IGrainFactory grains) =>
            FromCode(await grains.GetGrain<IRoomGrain>((long)rid).SetManager(uid, false), Results.NoContent())).WithName("RemoveRoomManager");
        admin.MapPost("/rooms/{rid}/broadcast", RoomBroadcastAsync).WithName("RoomBroadcast");
        admin.MapGet("/groups/{gid}/members", GroupMembersAsync).WithName("GroupMembers");
        admin.MapGet("/stats", StatsAsync).WithName("Stats");
        admin.MapAccountEndpoints();
        admin.MapGet("/nodes", (IGrainFactory grains) => grains.GetGrain<INodeDirectoryGrain>(0).GetNodes()).WithName("Nodes");
    }

    private static async Task<IResult> BroadcastAsync(HttpContext context, IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        var body = await ReadBodyAsync(context, options.Value.MaxBodyLength);
        if (body is null)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var frame = FrameWriter.EncodeRaw(Cmd.Bc, FrameHeader.FlagSystem, 0, 0, 0, body);
        var nodes = await grains.GetGrain<IGatewayDirectoryGrain>(0).GetNodes();
        foreach (var node in nodes)
        {
            await node.Node.DeliverToAll(frame);
        }

        return Results.Accepted(value: new { nodes = nodes.Count });
    }

    private static async Task<IResult> PushToUserAsync(ulong uid, HttpContext context, IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        var body = await ReadBodyAsync(context, options.Value.MaxBodyLength);
        if (uid == 0)
        {
            return Results.BadRequest(new { error = "uid must be non-zero" });
        }

        return body is null
            ? Results.StatusCode(StatusCodes.Status413PayloadTooLarge)
            : Results.Ok(new { seq = await grains.GetGrain<IUserGrain>((long)uid).PushP2P(body) });
    }

    private static async Task<IResult> KickUserAsync(ulong uid, IGrainFactory grains) =>
        Results.Ok(new { sessions = await grains.GetGrain<IUserGrain>((long)uid).KickAll(AdminKickCode) });

    private static async Task<IResult> CreateRoomAsync(HttpContext context, IGrainFactory grains)
    {
        RoomCreateRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<RoomCreateRequest>(context.RequestAborted);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            request = null;
        }

        if (request is null || request.Owner == 0)
        {
            return Results.BadRequest(new { error = "owner must be non-zero" });
        }

        var rid = request.Rid != 0 ? request.Rid : await grains.GetGrain<IIdAllocatorGrain>(IdKinds.Rid).Next();
        var code = await grains.GetGrain<IRoomGrain>((long)rid).Create(request.Owner, request.Name ?? "", request.Desc ?? "");
        return code == ResultCode.Ok ? Results.Created($"/api/rooms/{rid}", new { rid }) : Results.Conflict(new { code });
    }

    private static async Task<IResult> SetBanAsync(IGrainFactory grains, ulong rid, ulong uid, bool banned) =>
        FromCode(await grains.GetGrain<IRoomGrain>((long)rid).SetBanned(uid, banned), Results.NoContent());

    private static async Task<IResult> RoomBroadcastAsync(ulong rid, uint? expire, HttpContext context, IGrainFactory grains, [FromKeyedServices(ImClock.Key)] TimeProvider time, IOptions<GatewayOptions> options)
    {
        var data = await ReadBodyAsync(context, options.Value.MaxBodyLength);
        if (data is null)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var bc = new RoomBc { Rid = rid, Level = 0, Time = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds(), Expire = expire ?? 0, Data = ByteString.CopyFrom(data) };
        var code = await grains.GetGrain<IRoomGrain>((long)rid).Broadcast(0, asAdmin: true, bc.ToByteArray(), bc.Expire);
        return FromCode(code, Results.Accepted());
    }

    private static async Task<IResult> GroupMembersAsync(ulong gid, IGrainFactory grains)
    {
        var page = await grains.GetGrain<IGroupGrain>((long)gid).DescribeMembers();
        if (page.Code != ResultCode.Ok)
        {
            return Results.NotFound();
        }

        using var members = JsonDocument.Parse(page.Json);
        return Results.Ok(new { gid, total = page.Total, members = members.RootElement.Clone() });
    }

    private static async Task<IResult> StatsAsync(IGrainFactory grains)
    {
        var nodes = await grains.GetGrain<IGatewayDirectoryGrain>(0).GetNodes();
        var stats = new List<NodeStats>();
        foreach (var node in nodes)
        {
            stats.Add(await node.Node.GetStats());
        }

        // A user with sessions on two nodes counts on each: "users" is per node, summed.
        return Results.Ok(new { sessions = stats.Sum(s => s.Sessions), users = stats.Sum(s => s.Users), nodes = stats });
    }

    private static async Task<IResult> IpListAsync(string? type, Sessions.GatewayNode node)
    {
        uint? wanted = type switch { "tcp" => 1, "ws" => 2, null or "" => null, _ => 0 };
        if (wanted == 0)
        {
            return Results.BadRequest(new { error = "type must be tcp or ws" });
        }

        var nodes = await node.Reports.ListNodesAsync();
        var addresses = LoadWeightedOrder(nodes)
            .SelectMany(n => n.Listeners.Where(l => wanted is null || l.Type == wanted))
            .Select(l => $"{l.Address}:{l.Port}")
            .ToList();
        return Results.Ok(addresses);
    }

    /// <summary>Smooths the session counts of <see cref="LoadWeightedOrder"/>: nodes below a few hundred sessions come first about equally often.</summary>
    public const int IpListLoadSmoothing = 100;

    /// <summary>
    /// The nodes in a random order that favours the less loaded: each comes first with a chance proportional to
    /// 1 / (sessions + <see cref="IpListLoadSmoothing"/>) (weighted sampling without replacement). Clients take the first
    /// address; a strict least-loaded order would send every client of a failed node to the same survivor, since the
    /// session counts are only reported every few seconds.
    /// </summary>
    private static IEnumerable<NodeListing> LoadWeightedOrder(IReadOnlyList<NodeListing> nodes)
    {
        var keys = new double[nodes.Count];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = -Math.Log(1 - Random.Shared.NextDouble()) * ((double)nodes[i].Users + IpListLoadSmoothing);
        }

        return Enumerable.Range(0, nodes.Count).OrderBy(i => keys[i]).Select(i => nodes[i]);
    }

    private static IResult FromCode(uint code, IResult success) => code switch
    {
        ResultCode.Ok => success,
        ResultCode.NotFound => Results.NotFound(),
        ResultCode.AlreadyExists => Results.Conflict(),
        _ => Results.BadRequest(new { code }),
    };

    /// <summary>The raw request body, or null when it is longer than <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, int limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
