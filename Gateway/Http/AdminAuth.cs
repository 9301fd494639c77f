using Microsoft.AspNetCore.Http;
using OrleansIm.Gateway.Auth;

namespace OrleansIm.Gateway.Http;

/// <summary>Bearer-token check for the admin API: 401 without a valid token, 403 with a non-admin one.</summary>
public static class AdminAuth
{
    public readonly record struct Outcome(TokenClaims? Caller, IResult? Failure);

    public static async Task<Outcome> AuthenticateAsync(HttpContext context, TokenService tokens)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return new(null, Results.Unauthorized());
        }

        var claims = await tokens.ValidateAsync(header[Scheme.Length..].Trim());
        if (claims is null)
        {
            return new(null, Results.Unauthorized());
        }

        return claims.Role == Roles.Admin ? new(claims, null) : new(claims, Results.StatusCode(StatusCodes.Status403Forbidden));
    }
}
