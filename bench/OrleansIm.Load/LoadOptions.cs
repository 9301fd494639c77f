using System.Globalization;

namespace OrleansIm.Load;

/// <summary>Command-line settings of the load tool.</summary>
public sealed record LoadOptions(string Host, int TcpPort, int HttpPort, string Transport, int Pairs, int Messages, int Window, ulong FirstUid)
{
    public const string Usage = "usage: OrleansIm.Load [--host 127.0.0.1] [--tcp 9002] [--http 8002] [--transport tcp|ws|mixed] [--pairs 50] [--messages 200] [--window 1] [--first-uid N]";

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions("127.0.0.1", 9002, 8002, "tcp", 50, 200, 1, (ulong)Random.Shared.NextInt64(1, 1L << 40));
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            options = args[i] switch
            {
                "--host" => options with { Host = value },
                "--tcp" => options with { TcpPort = Int(value) },
                "--http" => options with { HttpPort = Int(value) },
                "--transport" => value is "tcp" or "ws" or "mixed" ? options with { Transport = value } : throw new ArgumentException(Usage),
                "--pairs" => options with { Pairs = Int(value) },
                "--messages" => options with { Messages = Int(value) },
                "--window" => options with { Window = Int(value) },
                "--first-uid" => options with { FirstUid = ulong.Parse(value, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException(Usage),
            };
        }

        if (args.Length % 2 != 0 || options.Pairs < 1 || options.Messages < 1 || options.Window < 1)
        {
            throw new ArgumentException(Usage);
        }

        return options;
    }

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);
}
