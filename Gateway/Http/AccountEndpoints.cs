using System.Text.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIm.Gateway.Auth;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;

namespace OrleansIm.Gateway.Http;

/// <summary>Account settings, bound from the <c>Accounts</c> section.</summary>
public sealed class AccountOptions
{
    public const string Section = "Accounts";

    /// <summary>
    /// Whether an erase leaves the CHAT and GROUP-CHAT messages the user sent to others as they are. False (the
    /// default): they become tombstones, as a recall leaves them.
    /// </summary>
    public bool KeepSentMessages { get; set; }
}

/// <summary>
/// The account admin API: <c>GET /api/users/{uid}/export</c> streams everything kept about a user as JSON, and
/// <c>POST /api/users/{uid}/erase</c> erases it. Both write an audit line naming the admin.
/// </summary>
public static partial class AccountEndpoints
{
    /// <summary>The HttpContext item holding the admin's claims (set by the admin filter).</summary>
    public const string CallerItem = "im.admin";

    private const int ExportPage = 500;

    private static readonly JsonFormatter Bodies = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public static void MapAccountEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/users/{uid}/export", ExportAsync).WithName("ExportAccount");
        admin.MapPost("/users/{uid}/erase", EraseAsync).WithName("EraseAccount");
    }

    private static async Task ExportAsync(ulong uid, HttpContext context, IGrainFactory grains, ILoggerFactory logs, [Microsoft.Extensions.DependencyInjection.FromKeyedServices(ImClock.Key)] TimeProvider time)
    {
        if (uid == 0)
        {
            await Results.BadRequest(new { error = "uid must be non-zero" }).ExecuteAsync(context);
            return;
        }

        var user = grains.GetGrain<IUserGrain>((long)uid);
        var account = await user.GetAccount();
        var groups = new List<(ulong Gid, GroupInfoResult Info)>();
        foreach (var gid in account.GroupCursors.Keys.Order())
        {
            groups.Add((gid, await grains.GetGrain<IGroupGrain>((long)gid).GetInfo(uid)));
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"account-{uid}.json\"";
        long entries = 0;
        await using (var json = new Utf8JsonWriter(context.Response.BodyWriter, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("uid", uid);
            json.WriteString("exported_at", time.GetUtcNow());
            json.WriteStartObject("contacts");
            json.WriteNumber("version", account.ContactsVersion);
            Ids(json, "friends", account.Friends);
            Ids(json, "requests_in", account.RequestsIn);
            Ids(json, "requests_out", account.RequestsOut);
            Ids(json, "blacklist", account.Blacklist);
            Ids(json, "gagged", account.Gagged);
            json.WriteStartObject("marks");
            foreach (var (peer, mark) in account.Marks.OrderBy(m => m.Key))
            {
                json.WriteString(peer.ToString(System.Globalization.CultureInfo.InvariantCulture), mark);
            }

            json.WriteEndObject();
            json.WriteEndObject();

            json.WriteStartArray("groups");
            foreach (var (gid, info) in groups)
            {
                json.WriteStartObject();
                json.WriteNumber("gid", gid);
                if (info.Code == ResultCode.Ok)
                {
                    json.WriteString("name", info.Name);
                    json.WriteString("role", info.Role);
                }

                json.WriteNumber("sync_cursor", account.GroupCursors[gid]);
                json.WriteNumber("read_seq", account.ReadGroups.GetValueOrDefault(gid));
                json.WriteBoolean("created_by_user", account.CreatedGroups.Contains(gid));
                json.WriteEndObject();
            }

            json.WriteEndArray();

            json.WriteStartObject("read_positions");
            json.WriteNumber("delivery_cursor", account.DeliveryCursor);
            Positions(json, "conversations", account.ReadPeers);
            Positions(json, "peers_read_up_to", account.PeerReads);
            json.WriteEndObject();

            json.WriteStartObject("settings");
            json.WriteBoolean("receipts_off", account.ReceiptsOff);
            json.WriteEndObject();
            if (account.LastSeen != 0)
            {
                json.WriteString("last_seen", DateTimeOffset.FromUnixTimeMilliseconds((long)account.LastSeen));
            }

            // The inbox page by page, so a large one is never held whole.
            json.WriteStartObject("inbox");
            json.WriteNumber("head", account.InboxHead);
            json.WriteStartArray("entries");
            ulong after = 0;
            while (true)
            {
                var page = await user.ReadInbox(after, ExportPage);
                foreach (var entry in page)
                {
                    Entry(json, entry);
                    after = entry.Seq;
                    entries++;
                }

                await json.FlushAsync(context.RequestAborted);
                if (page.Count < ExportPage)
                {
                    break;
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        LogExported(logs.CreateLogger(typeof(AccountEndpoints).FullName!), uid, Admin(context), entries, account.Friends.Length, groups.Count);
    }

    private static async Task<IResult> EraseAsync(ulong uid, HttpContext context, IGrainFactory grains, IOptions<AccountOptions> options, ILoggerFactory logs)
    {
        if (uid == 0)
        {
            return Results.BadRequest(new { error = "uid must be non-zero" });
        }

        // Sessions first: nothing the user does can race with the erase after this.
        var user = grains.GetGrain<IUserGrain>((long)uid);
        var kicked = await user.KickAll(AdminEndpoints.AdminKickCode);
        var account = await user.GetAccount();

        var groups = new Dictionary<string, int>();
        foreach (var gid in account.GroupCursors.Keys.Union(account.CreatedGroups).Order())
        {
            var outcome = await grains.GetGrain<IGroupGrain>((long)gid).EraseMember(uid);
            var name = OutcomeName(outcome);
            groups[name] = groups.GetValueOrDefault(name) + 1;
        }

        int contacts = 0;
        foreach (var peer in account.Friends.Union(account.RequestsIn).Union(account.RequestsOut))
        {
            if (await grains.GetGrain<IUserGrain>((long)peer).OnContactErased(uid))
            {
                contacts++;
            }
        }

        var keepSent = options.Value.KeepSentMessages;
        var erased = await user.EraseAccount(tombstoneSent: !keepSent);
        LogErased(logs.CreateLogger(typeof(AccountEndpoints).FullName!), uid, Admin(context), kicked, erased.InboxEntries, contacts,
            string.Join(", ", groups.Select(g => $"{g.Key} {g.Value}")), keepSent ? "kept" : $"{erased.Tombstoned} made tombstones");
        return Results.Ok(new
        {
            uid,
            sessions_kicked = kicked,
            inbox_entries = erased.InboxEntries,
            contacts_told = contacts,
            groups,
            sent_messages = keepSent ? "kept" : "tombstoned",
            tombstoned = erased.Tombstoned,
            had_data = erased.HadState || erased.InboxEntries > 0 || groups.Count > 0,
        });
    }

    private static void Entry(Utf8JsonWriter json, LogEntry entry)
    {
        json.WriteStartObject();
        json.WriteNumber("seq", entry.Seq);
        var command = CommandTable.Find(entry.Cmd);
        json.WriteString("command", command?.Name ?? CommandTable.NameOf(entry.Cmd));
        if (command?.Parser is { } parser && !command.OpaqueBody)
        {
            try
            {
                json.WritePropertyName("body");
                json.WriteRawValue(Bodies.Format(parser.ParseFrom(entry.Body)));
                json.WriteEndObject();
                return;
            }
            catch (InvalidProtocolBufferException)
            {
                // Written as bytes below.
            }
        }

        json.WriteBase64String("data", entry.Body);
        json.WriteEndObject();
    }

    private static void Ids(Utf8JsonWriter json, string name, ulong[] ids)
    {
        json.WriteStartArray(name);
        foreach (var id in ids)
        {
            json.WriteNumberValue(id);
        }

        json.WriteEndArray();
    }

    private static void Positions(Utf8JsonWriter json, string name, Dictionary<ulong, ulong> positions)
    {
        json.WriteStartObject(name);
        foreach (var (id, seq) in positions.OrderBy(p => p.Key))
        {
            json.WriteNumber(id.ToString(System.Globalization.CultureInfo.InvariantCulture), seq);
        }

        json.WriteEndObject();
    }

    private static string OutcomeName(GroupErasure outcome) => outcome switch
    {
        GroupErasure.Left => "left",
        GroupErasure.OwnershipPassed => "ownership_passed",
        GroupErasure.Dismissed => "dismissed",
        _ => "not_member",
    };

    private static string Admin(HttpContext context) =>
        context.Items[CallerItem] is TokenClaims caller ? caller.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Audit: account {Uid} exported by admin {Admin}: {Entries} inbox entries, {Friends} friends, {Groups} groups")]
    private static partial void LogExported(ILogger logger, ulong uid, string admin, long entries, int friends, int groups);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Audit: account {Uid} erased by admin {Admin}: {Sessions} sessions kicked, {Entries} inbox entries removed, {Contacts} contacts told, groups: [{Groups}], sent messages {Sent}")]
    private static partial void LogErased(ILogger logger, ulong uid, string admin, int sessions, long entries, int contacts, string groups, string sent);
}
