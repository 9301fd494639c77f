using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using OrleansIm.Gateway.Auth;

namespace OrleansIm.Gateway.Http;

/// <summary>Token minting over HTTP: for operators' backends (admin bearer), and a dev endpoint for the demo page.</summary>
public static class TokenEndpoints
{
    public static void MapTokenEndpoints(this IEndpointRouteBuilder app, IHostEnvironment environment)
    {
        app.MapPost("/api/tokens", MintAsync);
        if (environment.IsDevelopment())
        {
            app.MapGet("/api/dev/token", MintDev);
        }
    }

    /// <summary>Body of <c>POST /api/tokens</c>. <c>TtlSeconds</c> 0 means the configured lifetime.</summary>
    public sealed record MintRequest(ulong Uid, ulong? Sid, string? Role, int TtlSeconds);

    public sealed record MintResponse(string Token);

    private static async Task<IResult> MintAsync(HttpContext context, TokenService tokens, MintRequest? request)
    {
        var caller = await AdminAuth.AuthenticateAsync(context, tokens);
        if (caller.Failure is { } failure)
        {
            return failure;
        }

        var role = request?.Role ?? Roles.User;
        if (request is null || request.Uid == 0 || !Roles.IsKnown(role) || request.TtlSeconds < 0)
        {
            return Results.BadRequest(new { error = "uid must be non-zero, role one of user/admin/node, ttlSeconds >= 0" });
        }

        TimeSpan? ttl = request.TtlSeconds > 0 ? TimeSpan.FromSeconds(request.TtlSeconds) : null;
        return Results.Ok(new MintResponse(tokens.Create(request.Uid, request.Sid, role, ttl)));
    }

    private static IResult MintDev(TokenService tokens, string? uid, string? sid, string? role)
    {
        if (!ulong.TryParse(uid, NumberStyles.None, CultureInfo.InvariantCulture, out var u) || u == 0)
        {
            return Results.BadRequest(new { error = "uid must be a non-zero integer" });
        }

        ulong? s = null;
        if (!string.IsNullOrEmpty(sid))
        {
            if (!ulong.TryParse(sid, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return Results.BadRequest(new { error = "sid must be an integer" });
            }

            s = parsed;
        }

        role ??= Roles.User;
        if (!Roles.IsKnown(role))
        {
            return Results.BadRequest(new { error = "role must be user, admin or node" });
        }

        return Results.Ok(new MintResponse(tokens.Create(u, s, role)));
    }
}
