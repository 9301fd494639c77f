using System.Globalization;

namespace OrleansIm.Load;

/// <summary>Command-line settings of the load tool.</summary>
public sealed record LoadOptions(string Host, int TcpPort, int HttpPort, string Transport, int Pairs, int Messages, int Window, ulong FirstUid, string Scenario = "chat", int Members = 1000, int Online = 200, int Rate = 0, int HoldSeconds = 10, string ReadyFile = "", string Client = "lean", int Seconds = 60, bool OfflineReceivers = false, int Connections = 1, string Survivors = "", string[]? Hosts = null, bool Packed = true)
{
    public const string Usage = "usage: OrleansIm.Load [--scenario chat|group|groupchat|room|idle|soak|storm] [--host 127.0.0.1] [--tcp 9002] [--http 8002] [--transport tcp|ws|mixed] [--messages 200] [--first-uid N] [--client lean|signalr|signalr-lean] [--ws-packed yes|no]\n" +
        "  --ws-packed no: the lean client's WebSockets do not offer the orleansim.packed subprotocol (one frame per server message)\n" +
        "  --client signalr drives the SignalR peer (bench/OrleansIm.Peer) instead, for chat and room, with the SignalR .NET client;\n" +
        "  --client signalr-lean does it with a raw-WebSocket client of the hub protocol (MessagePack), pipelined like the lean client\n" +
        "  --hosts H1,H2,… (chat, group, room): the n-th session connects to host n mod count (chat: senders are sessions 0, 2, 4…,\n" +
        "         receivers 1, 3, 5…, so --hosts A,B puts every sender on A and every receiver on B); --host still mints tokens and hosts the owner\n" +
        "  --connections N (--client signalr, chat): each sender spreads its --window invocations over N hub connections of its user\n" +
        "  chat:  [--pairs 50] [--window 1] [--rate 0] [--receivers online|offline]   one sender and one receiver per pair; --rate N: open loop at N messages/s in total;\n" +
        "         --receivers offline: the receivers never log in (messages wait in their inboxes; what a mobile-push webhook reports)\n" +
        "  group: [--members 1000] [--online 200]   one owner sends to a group; --online members are connected\n" +
        "  groupchat: [--pairs 50] [--online 1] [--window 1]   --pairs groups, each with one sender keeping --window GROUP-CHATs in flight and --online readers\n" +
        "  room:  [--online 1000] [--window 1]   --online sessions join one room; its owner keeps --window ROOM-BCs in flight\n" +
        "  idle:  [--online 1000] [--hold 10] [--ready-file PATH]   logs in --online sessions and holds them\n" +
        "  soak:  [--online 100] [--seconds 60]   --online users at a time come and go (new uids each time): chat, a group, a room\n" +
        "  storm: --survivors H2[,H3] [--online 1000] [--ready-file PATH] [--seconds 60]   logs in and SYNCs --online TCP sessions on --host, writes ready;\n" +
        "         when the host dies, all reconnect with the SDK's backoff to gateways from /api/iplist of a survivor, log in and SYNC (scripts/storm.sh)";

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions("127.0.0.1", 9002, 8002, "tcp", 50, 200, 1, (ulong)Random.Shared.NextInt64(1, 1L << 40));
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            options = args[i] switch
            {
                "--host" => options with { Host = value },
                "--hosts" => options with { Hosts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--tcp" => options with { TcpPort = Int(value) },
                "--http" => options with { HttpPort = Int(value) },
                "--transport" => value is "tcp" or "ws" or "mixed" ? options with { Transport = value } : throw new ArgumentException(Usage),
                "--pairs" => options with { Pairs = Int(value) },
                "--messages" => options with { Messages = Int(value) },
                "--window" => options with { Window = Int(value) },
                "--first-uid" => options with { FirstUid = ulong.Parse(value, CultureInfo.InvariantCulture) },
                "--scenario" => value is "chat" or "group" or "groupchat" or "room" or "idle" or "soak" or "storm" ? options with { Scenario = value } : throw new ArgumentException(Usage),
                "--members" => options with { Members = Int(value) },
                "--online" => options with { Online = Int(value) },
                "--rate" => options with { Rate = Int(value) },
                "--client" => value is "lean" or "signalr" or "signalr-lean" ? options with { Client = value } : throw new ArgumentException(Usage),
                "--hold" => options with { HoldSeconds = Int(value) },
                "--ready-file" => options with { ReadyFile = value },
                "--seconds" => options with { Seconds = Int(value) },
                "--connections" => options with { Connections = Int(value) },
                "--survivors" => options with { Survivors = value },
                "--ws-packed" => value is "yes" or "no" ? options with { Packed = value == "yes" } : throw new ArgumentException(Usage),
                "--receivers" => value is "online" or "offline" ? options with { OfflineReceivers = value == "offline" } : throw new ArgumentException(Usage),
                _ => throw new ArgumentException(Usage),
            };
        }

        if (args.Length % 2 != 0 || options.Pairs < 1 || options.Messages < 1 || options.Window < 1 || options.Connections < 1 || options.Online < 1 || options.Rate < 0 || options.HoldSeconds < 0 || (options.Scenario == "group" && options.Online >= options.Members))
        {
            throw new ArgumentException(Usage);
        }

        return options;
    }

    /// <summary>The gateway the <paramref name="index"/>-th session of a run connects to: <see cref="Host"/>, or the next of <see cref="Hosts"/>.</summary>
    public string HostOf(int index) => Hosts is { Length: > 0 } hosts ? hosts[index % hosts.Length] : Host;

    /// <summary>Whether the <paramref name="index"/>-th connection of a run uses WebSocket (every other one under mixed).</summary>
    public bool UsesWebSocket(int index) => Transport == "ws" || (Transport == "mixed" && index % 2 == 1);

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);
}
