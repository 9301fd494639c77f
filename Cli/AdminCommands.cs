using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrleansIm.Cli;

/// <summary>
/// The admin HTTP API for operators: tokens, pushes, kicks, account export and erase, rooms, nodes and stats. The bearer token comes from
/// --admin-token or IM_ADMIN_TOKEN; without one, a Development server's dev endpoint mints an admin token.
/// </summary>
public sealed class AdminCommands(HttpClient http, Output output, CliOptions options)
{
    public async Task RunAsync(IReadOnlyList<string> words)
    {
        var verb = words.Count > 1 ? words[1] : throw new UsageException("admin needs: token|push|kick|export|erase|rooms|nodes|stats|members");
        await AuthorizeAsync();
        var (method, path, body) = verb switch
        {
            "token" => (HttpMethod.Post, "/api/tokens", Json(new
            {
                uid = Id(words, 2, "UID"),
                sid = options.OptionalId("sid"),
                role = options.Get("role") ?? "user",
                ttlSeconds = options.Int("ttl", null, 0),
            })),
            "push" when words.Count > 2 && words[2] == "all" => (HttpMethod.Post, "/api/push/broadcast", Raw(Text(words, 3))),
            "push" => (HttpMethod.Post, $"/api/push/users/{Id(words, 2, "UID or all")}", Raw(Text(words, 3))),
            "kick" => (HttpMethod.Post, $"/api/users/{Id(words, 2, "UID")}/kick", null),
            "export" => (HttpMethod.Get, $"/api/users/{Id(words, 2, "UID")}/export", null),
            "erase" when !options.Has("yes") => throw new UsageException($"admin erase {Id(words, 2, "UID")} cannot be undone: add --yes to go ahead"),
            "erase" => (HttpMethod.Post, $"/api/users/{Id(words, 2, "UID")}/erase", null),
            "rooms" => Room(words),
            "nodes" => (HttpMethod.Get, "/api/nodes", null),
            "stats" => (HttpMethod.Get, "/api/stats", null),
            "members" => (HttpMethod.Get, $"/api/groups/{Id(words, 2, "GID")}/members", null),
            _ => throw new UsageException($"unknown admin command \"{verb}\""),
        };

        using var request = new HttpRequestMessage(method, path) { Content = body };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request);
        }
        catch (HttpRequestException ex)
        {
            throw new ConnectionException($"cannot reach {http.BaseAddress}: {ex.Message}", ex);
        }

        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            var reason = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => "the admin token is missing, invalid or expired",
                HttpStatusCode.Forbidden => "the token does not have the admin role",
                _ => text.Length > 0 ? text : response.ReasonPhrase ?? "error",
            };
            throw new RefusedException($"admin {verb}", (uint)response.StatusCode, reason);
        }

        if (verb == "export" && options.Get("out") is { } file)
        {
            await File.WriteAllTextAsync(file, text);
            var entries = JsonDocument.Parse(text).RootElement.GetProperty("inbox").GetProperty("entries").GetArrayLength();
            output.Result("admin", $"exported user {words[2]} to {file}: {entries} inbox entries", ("command", "admin export"), ("file", file), ("entries", entries));
            return;
        }

        Print(verb, text);
    }

    private (HttpMethod, string, HttpContent?) Room(IReadOnlyList<string> words)
    {
        var verb = words.Count > 2 ? words[2] : throw new UsageException("admin rooms needs: create|ban|unban|manager|unmanager|broadcast");
        if (verb == "create")
        {
            return (HttpMethod.Post, "/api/rooms", Json(new
            {
                owner = options.OptionalId("owner") ?? 1,
                rid = options.OptionalId("rid") ?? 0,
                name = Text(words, 3),
                desc = options.Get("desc") ?? "",
            }));
        }

        var rid = Id(words, 3, "RID");
        return verb switch
        {
            "ban" => (HttpMethod.Put, $"/api/rooms/{rid}/bans/{Id(words, 4, "UID")}", null),
            "unban" => (HttpMethod.Delete, $"/api/rooms/{rid}/bans/{Id(words, 4, "UID")}", null),
            "manager" => (HttpMethod.Put, $"/api/rooms/{rid}/managers/{Id(words, 4, "UID")}", null),
            "unmanager" => (HttpMethod.Delete, $"/api/rooms/{rid}/managers/{Id(words, 4, "UID")}", null),
            "broadcast" => (HttpMethod.Post, $"/api/rooms/{rid}/broadcast?expire={options.Int("expire", null, 60)}", Raw(Text(words, 4))),
            _ => throw new UsageException($"unknown admin rooms command \"{verb}\""),
        };
    }

    private async Task AuthorizeAsync()
    {
        var token = options.AdminToken;
        if (token is null)
        {
            var response = await Fetch($"/api/dev/token?uid={options.OptionalId("admin-uid") ?? 1}&role=admin");
            if (!response.IsSuccessStatusCode)
            {
                throw new UsageException("give --admin-token (or IM_ADMIN_TOKEN): mint one on the server with " +
                    "`dotnet run --project Silo -- token --uid 1 --role admin`");
            }

            token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    private async Task<HttpResponseMessage> Fetch(string path)
    {
        try
        {
            return await http.GetAsync(path);
        }
        catch (HttpRequestException ex)
        {
            throw new ConnectionException($"cannot reach {http.BaseAddress}: {ex.Message}", ex);
        }
    }

    private void Print(string verb, string text)
    {
        var parsed = text.Length > 0 && (text[0] == '{' || text[0] == '[') ? JsonDocument.Parse(text).RootElement : (JsonElement?)null;
        var human = parsed is { } json ? JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) : $"admin {verb}: ok";
        output.Result("admin", human, ("command", $"admin {verb}"), ("response", parsed));
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    private static ByteArrayContent Raw(string text) => new(Encoding.UTF8.GetBytes(text));

    private static ulong Id(IReadOnlyList<string> words, int index, string what) =>
        index < words.Count ? CliOptions.Id(words[index], what) : throw new UsageException($"{string.Join(' ', words)}: {what} missing");

    private static string Text(IReadOnlyList<string> words, int from) =>
        from < words.Count ? string.Join(' ', words.Skip(from)) : throw new UsageException($"{string.Join(' ', words)}: text missing");
}
