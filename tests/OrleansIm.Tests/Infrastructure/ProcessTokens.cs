using Microsoft.Extensions.Options;
using OrleansIm.Gateway.Auth;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>Tokens for silos run as processes (<see cref="RunningSilo"/>) with the test signing key.</summary>
public static class ProcessTokens
{
    private static readonly TokenService Service = new(Options.Create(new AuthOptions { SigningKey = ImServer.SigningKey }), TimeProvider.System);

    public static string For(ulong uid) => Service.Create(uid, null, Roles.User);

    /// <summary>The environment of a production-mode silo process on <paramref name="database"/>.</summary>
    public static Dictionary<string, string> Environment(string database) => new()
    {
        ["ConnectionStrings__Postgres"] = database,
        ["Auth__SigningKey"] = ImServer.SigningKey,
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
    };
}
