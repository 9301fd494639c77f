namespace OrleansIm.Gateway.Commands;

/// <summary>A group of command handlers (sessions, chat, groups, rooms …) that registers itself with the router.</summary>
public interface ICommandModule
{
    void Register(CommandRouter router);
}
