using System.Globalization;

namespace OrleansIm.Cli;

/// <summary>The command line: options (<c>--name value</c>, <c>--name=value</c> or a flag) anywhere, the rest positional.</summary>
public sealed class CliOptions
{
    private static readonly HashSet<string> Flags = ["json", "help", "yes"];

    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    public CliOptions(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (arg == "--")
            {
                Positional.AddRange(list.Skip(i + 1));
                break;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                Positional.Add(arg);
                continue;
            }

            var name = arg[2..];
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                _options[name[..equals]] = name[(equals + 1)..];
            }
            else if (Flags.Contains(name))
            {
                _options[name] = "true";
            }
            else if (i + 1 < list.Count)
            {
                _options[name] = list[++i];
            }
            else
            {
                throw new UsageException($"--{name} needs a value");
            }
        }
    }

    public List<string> Positional { get; } = [];

    public bool Json => Has("json");

    public string Host => Get("host") ?? Environment.GetEnvironmentVariable("IM_HOST") ?? "localhost";

    public int HttpPort => Int("http-port", "IM_HTTP_PORT", 8002);

    public int TcpPort => Int("tcp-port", "IM_TCP_PORT", 9002);

    public string Transport => (Get("transport") ?? Environment.GetEnvironmentVariable("IM_TRANSPORT") ?? "tcp") switch
    {
        "tcp" => "tcp",
        "ws" => "ws",
        var other => throw new UsageException($"--transport must be tcp or ws, not {other}"),
    };

    public string? Token => Get("token") ?? Environment.GetEnvironmentVariable("IM_TOKEN");

    public string? AdminToken => Get("admin-token") ?? Environment.GetEnvironmentVariable("IM_ADMIN_TOKEN");

    public TimeSpan Timeout => TimeSpan.FromSeconds(Int("timeout", "IM_TIMEOUT", 10));

    public bool Has(string name) => _options.ContainsKey(name);

    public string? Get(string name) => _options.GetValueOrDefault(name);

    public ulong Uid => Get("uid") is { } uid ? Id(uid, "--uid")
        : Environment.GetEnvironmentVariable("IM_UID") is { Length: > 0 } env ? Id(env, "IM_UID")
        : throw new UsageException("which user? give --uid N (or set IM_UID)");

    public ulong? OptionalId(string name) => Get(name) is { } value ? Id(value, "--" + name) : null;

    public int Int(string name, string? environment, int fallback)
    {
        var text = Get(name) ?? (environment is null ? null : Environment.GetEnvironmentVariable(environment));
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UsageException($"--{name} must be a non-negative integer, not {text}");
    }

    public static ulong Id(string text, string what) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new UsageException($"{what} must be a positive integer id, not \"{text}\"");
}

/// <summary>A mistake on the command line (exit code 1).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The server answered with a non-zero code (exit code 2).</summary>
public sealed class RefusedException(string command, uint code, string text) : Exception($"{command} refused: {text} ({code})")
{
    public uint Code { get; } = code;
}

/// <summary>The server could not be reached, closed the connection, or did not answer in time (exit code 3).</summary>
public sealed class ConnectionException(string message, Exception? inner = null) : Exception(message, inner);

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int Refused = 2;
    public const int Connection = 3;
}
