using OrleansIm.Protocol;

namespace OrleansIm.Client;

/// <summary>
/// A request the server refused (<see cref="Code"/> is the protocol's code, see docs/protocol.md "Replies and
/// codes"), or one that could not be completed because the connection is gone (<see cref="Code"/> 0).
/// </summary>
public sealed class ImException : Exception
{
    public ImException(uint command, uint code, string? errmsg)
        : base($"{CommandTable.NameOf(command)} refused: {errmsg ?? ResultCode.Message(code)} ({code})")
    {
        Command = command;
        Code = code;
        ErrorMessage = errmsg ?? ResultCode.Message(code);
    }

    public ImException(uint command, string message, Exception? inner = null)
        : base($"{CommandTable.NameOf(command)}: {message}", inner)
    {
        Command = command;
        ErrorMessage = message;
    }

    /// <summary>The request's command id.</summary>
    public uint Command { get; }

    /// <summary>The protocol code, e.g. 20014 (refused by receiver); 0 when the connection, not the server, failed.</summary>
    public uint Code { get; }

    /// <summary>The server's errmsg, or what went wrong locally.</summary>
    public string ErrorMessage { get; }
}
