using System.Globalization;
using Microsoft.Extensions.Options;
using OrleansIm.Gateway.Auth;

namespace OrleansIm.Silo;

/// <summary>
/// <c>token --uid N [--sid N] [--role user|admin|node] [--ttl SECONDS]</c>: prints a token signed with the
/// configured key, which is how an operator gets the first admin token.
/// </summary>
public static class TokenCommand
{
    public const string Name = "token";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        var options = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (options.SigningKey.Length < 32)
        {
            error.WriteLine("Auth:SigningKey is not configured (at least 32 characters).");
            return 2;
        }

        ulong uid = 0;
        ulong? sid = null;
        var role = Roles.User;
        int ttl = 0;
        for (int i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            bool ok = args[i] switch
            {
                "--uid" => ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uid),
                "--sid" => TryParseSid(value, out sid),
                "--role" => (role = value ?? "") is var r && Roles.IsKnown(r),
                "--ttl" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ttl),
                _ => false,
            };
            if (!ok)
            {
                error.WriteLine($"usage: {Name} --uid N [--sid N] [--role user|admin|node] [--ttl SECONDS] (bad '{args[i]}')");
                return 2;
            }

            i++;
        }

        if (uid == 0)
        {
            error.WriteLine($"usage: {Name} --uid N [--sid N] [--role user|admin|node] [--ttl SECONDS]");
            return 2;
        }

        var tokens = new TokenService(Options.Create(options), TimeProvider.System);
        output.WriteLine(tokens.Create(uid, sid, role, ttl > 0 ? TimeSpan.FromSeconds(ttl) : null));
        return 0;
    }

    private static bool TryParseSid(string? value, out ulong? sid)
    {
        sid = null;
        if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        sid = parsed;
        return true;
    }
}
