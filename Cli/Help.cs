namespace OrleansIm.Cli;

public static class Help
{
    public const string Text = """
        im: command-line client of OrleansIm

        usage: im [options] COMMAND [ARGS]      (from a checkout: dotnet run --project Cli -- [options] COMMAND …)

        as a user (logs in with --uid; --token, or a development token from a Development server):
          login                              log in and print sid, inbox seq and heartbeat
          send UID TEXT                      private message (prints its seq; --serial N to retry the same message)
          sync [--seq N] [--group GID:SEQ,…] replay the inbox (and groups) and print it
          friend add UID [REMARK] | friend del UID
          block|unblock|mute|unmute UID       blacklist / gag
          mark UID TEXT | unmark UID         private remark
          group create NAME | join|quit|dismiss|members GID | invite GID UID | send GID TEXT
          group kick|ban|unban|gag|ungag|appoint|demote GID UID
          room create NAME | join|quit|count|dismiss|watch RID | send RID TEXT | bc RID TEXT | kick RID UID
          contacts [--offset N] [--num N]    friends, requests both ways, blocked and muted users, remarks
          conversations                      private conversations and groups, most recent first, with unread counts
          read UID SEQ | read group GID SEQ  mark a conversation read up to SEQ (other devices and the peer are told)
          recall UID SEQ | recall group GID SEQ   take back a message (within the recall window; group owners always)
          presence UID [UID …]               friends online now, or when they were last seen
          receipts [on|off]                  whether your reads and deliveries send receipts
          group info GID | room info RID     name, description, owner, size
          tail                               print everything pushed (--count N, --seconds N)
          shell                              interactive: one command per line, pushes printed as they come

        as an operator (admin HTTP API; --admin-token, or a development admin token):
          admin token UID [--role user|admin|node] [--sid N] [--ttl SECONDS]
          admin push all TEXT | admin push UID TEXT
          admin kick UID
          admin rooms create NAME [--owner UID] [--rid N] | admin rooms ban|unban|manager|unmanager RID UID
          admin rooms broadcast RID TEXT [--expire SECONDS]
          admin nodes | admin stats | admin members GID
          admin export UID [--out FILE]     everything kept about a user, as JSON
          admin erase UID --yes             kick the user, then erase contacts, groups, read positions and inbox

        options (environment variable in brackets):
          --uid N [IM_UID]   --token T [IM_TOKEN]   --sid N   --admin-token T [IM_ADMIN_TOKEN]
          --host H [IM_HOST] (localhost)   --http-port P [IM_HTTP_PORT] (8002)   --tcp-port P [IM_TCP_PORT] (9002)
          --transport tcp|ws [IM_TRANSPORT] (tcp)   --timeout SECONDS [IM_TIMEOUT] (10)   --json (one JSON object per line)

        exit codes: 0 done, 1 usage error, 2 refused by the server (the code is printed), 3 connection failure or timeout

        """;
}
