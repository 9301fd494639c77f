namespace OrleansIm.Cli;

/// <summary>
/// Interactive mode: one logged-in connection, a command per line (the same commands as one-shot, e.g.
/// <c>send 1002 hello</c>), and every push printed as it arrives. <c>quit</c> or end of input logs out.
/// </summary>
public sealed class Shell(CliSession session, Output output, CliOptions options, HttpClient http)
{
    public async Task<int> RunAsync(TextReader input)
    {
        using var stop = new CancellationTokenSource();
        var printer = PrintPushesAsync(stop.Token);
        var commands = new UserCommands(session, output, options, live: true);
        output.Result("online", $"logged in as {session.Uid} (sid {session.Ack.Sid}); type help for commands, quit to leave",
            ("uid", session.Uid), ("sid", session.Ack.Sid), ("seq", session.Ack.Seq));
        var exit = ExitCodes.Ok;
        while (await input.ReadLineAsync() is { } line)
        {
            var words = Split(line);
            if (words.Count == 0)
            {
                continue;
            }

            if (words[0] is "quit" or "exit")
            {
                break;
            }

            if (words[0] == "help")
            {
                Console.Out.Write(Help.Text);
                continue;
            }

            try
            {
                if (words[0] == "admin")
                {
                    await new AdminCommands(http, output, options).RunAsync(words);
                }
                else
                {
                    await commands.RunAsync(words);
                }
            }
            catch (Exception ex) when (ex is UsageException or RefusedException)
            {
                // In the shell a refusal is reported and the session goes on.
                output.Error(ex.Message);
            }
            catch (ConnectionException ex)
            {
                output.Error(ex.Message);
                exit = ExitCodes.Connection;
                break;
            }

            if (session.Closed)
            {
                output.Error("the server closed the connection");
                exit = ExitCodes.Connection;
                break;
            }
        }

        await stop.CancelAsync();
        await printer;
        return exit;
    }

    private async Task PrintPushesAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var frame = await session.NextPushAsync(Timeout.InfiniteTimeSpan, cancellationToken);
            if (frame is null)
            {
                return;
            }

            if (frame.Type != Protocol.Cmd.Pong)
            {
                output.Frame(frame);
            }
        }
    }

    /// <summary>Splits a line into words; double quotes keep spaces together.</summary>
    public static List<string> Split(string line)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (any)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
