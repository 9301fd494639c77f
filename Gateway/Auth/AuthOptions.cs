using System.ComponentModel.DataAnnotations;

namespace OrleansIm.Gateway.Auth;

/// <summary>Token signing and validation, bound from the <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>HS256 key, at least 32 characters. Required; Development ships a key in appsettings.Development.json.</summary>
    [Required, MinLength(32)]
    public string SigningKey { get; set; } = "";

    [Required]
    public string Issuer { get; set; } = "orleansim";

    [Required]
    public string Audience { get; set; } = "orleansim";

    /// <summary>Lifetime of a minted token when the caller does not name one.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Tolerated clock difference when checking expiry.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
