// A console chat on the OrleansIm .NET SDK: lines typed go to the peer, messages that arrive are printed. It keeps
// going through a server restart: the client reconnects, resends what was not acknowledged, and SYNCs.
//
//   dotnet run --project samples/dotnet/ConsoleChat -- http://localhost:8002/ 1001 1002
//
// The token comes from IM_TOKEN, or from a Development server's /api/dev/token. End with Ctrl-D (or Ctrl-C).
using System.Net.Http.Json;
using OrleansIm.Client;

if (args.Length < 3 || !Uri.TryCreate(args[0], UriKind.Absolute, out var server) || !ulong.TryParse(args[1], out var me) || !ulong.TryParse(args[2], out var peer))
{
    Console.Error.WriteLine("usage: ConsoleChat SERVER-URL MY-UID PEER-UID");
    return 2;
}

using var http = new HttpClient { BaseAddress = server };
await using var chat = await ChatClient.ConnectAsync(new ChatClientOptions
{
    Server = server,
    Uid = me,
    TokenProvider = async ct => Environment.GetEnvironmentVariable("IM_TOKEN")
        ?? (await http.GetFromJsonAsync<TokenReply>($"/api/dev/token?uid={me}", ct))!.Token,
});
Console.WriteLine($"logged in as {me} (session {chat.Sid}); type to talk to {peer}");

var printing = Task.Run(async () =>
{
    await foreach (var e in chat.ReadEventsAsync())
    {
        var line = e switch
        {
            PrivateMessage m when m.Message.Orig != me => $"{m.Message.Orig}: {m.Message.Text}",
            ConnectionChanged c => $"[{c.State.ToString().ToLowerInvariant()}]",
            Kicked k => $"[kicked: {k.Message}]",
            _ => null,
        };
        if (line is not null)
        {
            Console.WriteLine(line);
        }
    }
});

while (Console.ReadLine() is { } text)
{
    try
    {
        Console.WriteLine($"sent (seq {await chat.SendChatAsync(peer, text)})");
    }
    catch (ImException ex)
    {
        Console.WriteLine($"not sent: {ex.ErrorMessage} ({ex.Code})");
    }
}

return 0;

internal sealed record TokenReply(string Token);
