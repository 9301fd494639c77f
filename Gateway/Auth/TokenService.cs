using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Auth;

/// <summary>Mints and checks the signed, expiring tokens (JWT, HS256) that bind a connection to a uid.</summary>
public sealed class TokenService
{
    private const string UidClaim = "uid";
    private const string SidClaim = "sid";
    private const string RoleClaim = "role";

    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials;
    private readonly TokenValidationParameters _validation;

    public TokenService(IOptions<AuthOptions> options, [FromKeyedServices(ImClock.Key)] TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(_options.SigningKey));
        _credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        _validation = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = _options.ClockSkew,
            RequireExpirationTime = true,
            LifetimeValidator = ValidateLifetime,
        };
    }

    /// <summary>Mints a token; a negative <paramref name="lifetime"/> gives one that has already expired.</summary>
    public string Create(ulong uid, ulong? sid, string role, TimeSpan? lifetime = null)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var expires = now + (lifetime ?? _options.TokenLifetime);
        var claims = new Dictionary<string, object>
        {
            [UidClaim] = uid.ToString(CultureInfo.InvariantCulture),
            [RoleClaim] = role,
        };
        if (sid is { } s)
        {
            claims[SidClaim] = s.ToString(CultureInfo.InvariantCulture);
        }

        var issuedAt = expires < now ? expires.AddSeconds(-1) : now;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            Claims = claims,
            SigningCredentials = _credentials,
        });
    }

    /// <summary>The token's claims, or null if it is malformed, badly signed, expired or names no valid uid/role.</summary>
    public async Task<TokenClaims?> ValidateAsync(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        var result = await _handler.ValidateTokenAsync(token, _validation);
        if (!result.IsValid)
        {
            return null;
        }

        if (!TryGetUlong(result.Claims, UidClaim, out var uid) || uid == 0)
        {
            return null;
        }

        ulong? sid = null;
        if (result.Claims.ContainsKey(SidClaim))
        {
            if (!TryGetUlong(result.Claims, SidClaim, out var s))
            {
                return null;
            }

            sid = s;
        }

        var role = result.Claims.TryGetValue(RoleClaim, out var r) ? r as string : Roles.User;
        return role is not null && Roles.IsKnown(role) ? new TokenClaims(uid, sid, role) : null;
    }

    private static bool TryGetUlong(IDictionary<string, object> claims, string name, out ulong value)
    {
        value = 0;
        return claims.TryGetValue(name, out var raw)
            && ulong.TryParse(Convert.ToString(raw, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    // Lifetime against our TimeProvider rather than the wall clock, so that tests can move time.
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return expires is { } exp
            && now <= exp.ToUniversalTime() + _options.ClockSkew
            && (notBefore is not { } nbf || now + _options.ClockSkew >= nbf.ToUniversalTime());
    }
}
