using System.Diagnostics;
using System.Text.RegularExpressions;
using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Moderation;

/// <summary>
/// Moderation against a real HTTP service in the test process. The fixture's server moderates all three commands
/// with a 300 ms timeout: CHAT fails open, GROUP-CHAT and ROOM-CHAT fail closed.
/// </summary>
public sealed partial class ModerationTests(ModerationFixture fixture) : IClassFixture<ModerationFixture>
{
    private ImServer Server => fixture.Server;

    private ModerationService Service => fixture.Service;

    [Fact]
    public async Task A_private_message_is_allowed_rejected_or_replaced_before_it_is_stored()
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await Server.LoginAsync("tcp", alice);
        await using var b = await Server.LoginAsync("ws", bob);

        var allowed = await a.ChatAsync(bob, "hello bob", serial: 71);
        Assert.Equal(0u, allowed.Code);
        Assert.Equal("hello bob", (await b.ReceiveAsync(Cmd.Chat)).As(Chat.Parser).Text);
        var asked = Service.Asked.Single(e => e.GetProperty("text").GetString() == "hello bob");
        Assert.Equal(("chat", alice, bob, 71UL), (asked.GetProperty("command").GetString(), asked.GetProperty("uid").GetUInt64(),
            asked.GetProperty("to").GetUInt64(), asked.GetProperty("serial").GetUInt64()));

        var rejected = await a.ChatAsync(bob, "forbidden words");
        Assert.Equal((ResultCode.ModerationRejected, "rejected by moderation", 0UL), (rejected.Code, rejected.Errmsg, rejected.Seq));

        var replaced = await a.ChatAsync(bob, "secret plans, keep the secret");
        Assert.Equal(0u, replaced.Code);
        Assert.Equal("****** plans, keep the ******", (await b.ReceiveAsync(Cmd.Chat)).As(Chat.Parser).Text);

        // 204 allows; nothing of the rejected one is in either inbox, and seqs have no gap for it.
        Assert.Equal(0u, (await a.ChatAsync(bob, "quiet please")).Code);
        Assert.Equal("quiet please", (await b.ReceiveAsync(Cmd.Chat)).As(Chat.Parser).Text);
        await using var fresh = await Server.LoginAsync("tcp", bob);
        var (sync, frames) = await fresh.SyncAsync(seq: 0);
        Assert.Equal(["hello bob", "****** plans, keep the ******", "quiet please"], Texts(frames));
        Assert.Equal([1UL, 2, 3], frames.Select(f => f.Header.Serial));
        Assert.Equal(3UL, sync.Seq);
        Assert.Equal(["hello bob", "****** plans, keep the ******", "quiet please"], Texts((await a.SyncAsync(seq: 0)).Frames));
        Assert.Equal(0, Service.BadSignatures);
    }

    [Fact]
    public async Task The_sender_s_other_device_gets_the_replaced_text()
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var phone = await Server.LoginAsync("tcp", alice);
        await using var laptop = await Server.LoginAsync("ws", alice);
        Assert.Equal(0u, (await phone.ChatAsync(bob, "secret handshake")).Code);
        Assert.Equal("****** handshake", (await laptop.ReceiveAsync(Cmd.Chat)).As(Chat.Parser).Text);
    }

    [Fact]
    public async Task A_group_message_is_rejected_or_replaced_for_every_member()
    {
        ulong ownerUid = Ids.Next(), memberUid = Ids.Next();
        await using var owner = await Server.LoginAsync("tcp", ownerUid);
        await using var member = await Server.LoginAsync("ws", memberUid);
        var gid = await owner.CreateGroupAsync();
        Assert.Equal(0u, await member.GroupAsync(Cmd.GroupJoin, memberUid, gid));

        Assert.Equal(ResultCode.ModerationRejected, (await owner.GroupChatAsync(gid, "forbidden topic")).Code);
        var replaced = await owner.GroupChatAsync(gid, "secret is out");
        Assert.Equal(0u, replaced.Code);
        Assert.Equal("****** is out", (await member.ReceiveAsync(Cmd.GroupChat)).As(GroupChat.Parser).Text);
        var asked = Service.Asked.Last(e => e.GetProperty("to").GetUInt64() == gid);
        Assert.Equal(("group.chat", ownerUid), (asked.GetProperty("command").GetString(), asked.GetProperty("uid").GetUInt64()));

        Assert.Equal(["****** is out"], await GroupLogAsync(Server, memberUid));
    }

    [Fact]
    public async Task A_room_message_is_rejected_or_replaced()
    {
        await using var owner = await Server.LoginAsync("tcp", Ids.Next());
        await using var listener = await Server.LoginAsync("ws", Ids.Next());
        var rid = await owner.CreateRoomAsync();
        Assert.Equal(0u, (await owner.JoinRoomAsync(rid)).Code);
        Assert.Equal(0u, (await listener.JoinRoomAsync(rid)).Code);

        Assert.Equal(ResultCode.ModerationRejected, (await owner.RoomChatAsync(rid, "forbidden chant")).Code);
        Assert.Equal(0u, (await owner.RoomChatAsync(rid, "secret menu")).Code);
        Assert.Equal("****** menu", (await listener.ReceiveAsync(Cmd.RoomChat)).As(RoomChat.Parser).Text);
        Assert.Equal("room.chat", Service.Asked.Last(e => e.GetProperty("to").GetUInt64() == rid).GetProperty("command").GetString());
    }

    [Theory]
    [InlineData("slow", "a timeout")]
    [InlineData("fail", "a 500")]
    [InlineData("garbage", "an answer that is no verdict")]
    public async Task A_failed_call_lets_a_private_message_through_and_refuses_a_group_message(string word, string what)
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await Server.LoginAsync("tcp", alice);
        await using var b = await Server.LoginAsync("ws", bob);

        // CHAT fails open: stored as sent, and no later than the timeout plus a margin (not the service's 2 s).
        var clock = Stopwatch.StartNew();
        var chat = await a.ChatAsync(bob, $"{word} but fine");
        Assert.True(chat.Code == 0, $"{what}: code {chat.Code}");
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(1500), $"{what}: answered after {clock.ElapsedMilliseconds} ms");
        Assert.Equal($"{word} but fine", (await b.ReceiveAsync(Cmd.Chat)).As(Chat.Parser).Text);

        // GROUP-CHAT fails closed: 20023, and nothing in the log.
        var gid = await a.CreateGroupAsync();
        Assert.Equal(0u, await b.GroupAsync(Cmd.GroupJoin, bob, gid));
        Assert.Equal(ResultCode.ModerationUnavailable, (await a.GroupChatAsync(gid, $"{word} in the group")).Code);
        Assert.Equal(0u, (await a.GroupChatAsync(gid, "after it")).Code);
        Assert.Equal(["after it"], await GroupLogAsync(Server, bob));
    }

    [Fact]
    public async Task Pipelined_messages_keep_their_order_when_the_first_verdict_is_the_slowest()
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await Server.LoginAsync("tcp", alice);
        var texts = new[] { "wait:250 one", "wait:5 two", "forbidden three", "wait:120 four", "five" };
        var serials = texts.Select(_ => Ids.Next()).ToArray();
        for (int i = 0; i < texts.Length; i++)
        {
            await a.SendAsync(Cmd.Chat, new Chat { Orig = alice, Dest = bob, Level = 1, Time = 1, Text = texts[i] }, serials[i]);
        }

        var acks = new Dictionary<ulong, ChatAck>();
        while (acks.Count < texts.Length)
        {
            var frame = await a.ReceiveAsync(Cmd.ChatAck);
            acks[frame.Header.Serial] = frame.As(ChatAck.Parser);
        }

        Assert.Equal([0u, 0, ResultCode.ModerationRejected, 0, 0], serials.Select(s => acks[s].Code));
        Assert.Equal([1UL, 2, 0, 3, 4], serials.Select(s => acks[s].Seq));
        await using var b = await Server.LoginAsync("ws", bob);
        Assert.Equal(["wait:250 one", "wait:5 two", "wait:120 four", "five"], Texts((await b.SyncAsync(seq: 0)).Frames));
    }

    [Fact]
    public async Task Every_call_is_timed_in_metrics_by_command_and_outcome()
    {
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await Server.LoginAsync("tcp", alice);
        Assert.Equal(ResultCode.ModerationRejected, (await a.ChatAsync(bob, "forbidden again")).Code);
        Assert.Equal(0u, (await a.ChatAsync(bob, "fail once more")).Code);

        using var http = new HttpClient { BaseAddress = Server.HttpUri };
        var metrics = await http.GetStringAsync("/metrics");
        Assert.True(Count(metrics, "chat", "reject") >= 1, metrics);
        Assert.True(Count(metrics, "chat", "error") >= 1, metrics);
    }

    [Fact]
    public async Task A_command_turned_off_is_not_sent_and_a_fail_closed_private_chat_is_refused()
    {
        await using var server = await ImServer.StartAsync(Service.Settings(
            ("RoomChat:Enabled", "false"), ("Chat:OnFailure", "reject"), ("Chat:Timeout", "00:00:00.200")));
        ulong alice = Ids.Next(), bob = Ids.Next();
        await using var a = await server.LoginAsync("tcp", alice);
        Assert.Equal(ResultCode.ModerationUnavailable, (await a.ChatAsync(bob, "slow down")).Code);
        Assert.Equal(0u, (await a.ChatAsync(bob, "fine")).Code);

        var rid = await a.CreateRoomAsync();
        Assert.Equal(0u, (await a.JoinRoomAsync(rid)).Code);
        Assert.Equal(0u, (await a.RoomChatAsync(rid, "forbidden but unmoderated")).Code);
        Assert.DoesNotContain(Service.Asked, e => e.GetProperty("text").GetString() == "forbidden but unmoderated");

        await using var b = await server.LoginAsync("ws", bob);
        Assert.Equal(["fine"], Texts((await b.SyncAsync(seq: 0)).Frames));
    }

    [Theory]
    [InlineData("Moderation__Url", "ftp://example.test/moderate", "Moderation:Url \"ftp://example.test/moderate\" is not an absolute http or https URL")]
    [InlineData("Moderation__Secret", "short", "Moderation:Secret must be at least 16 characters")]
    [InlineData("Moderation__GroupChat__Timeout", "00:00:00", "Moderation:GroupChat:Timeout 00:00:00 must be more than 0")]
    [InlineData("Moderation__RoomChat__OnFailure", "maybe", "Moderation:RoomChat:OnFailure \"maybe\" must be")]
    public async Task Bad_moderation_settings_stop_the_start_with_one_line(string key, string value, string said)
    {
        var environment = new Dictionary<string, string>
        {
            ["Moderation__Url"] = "http://127.0.0.1:9/moderate",
            ["Moderation__Secret"] = ModerationService.Secret,
            [key] = value,
        };
        await SiloProcess.AssertRefusedAsync(environment, said);
    }

    /// <summary>The group messages a fresh connection of <paramref name="uid"/> is replayed by SYNC.</summary>
    private static async Task<List<string>> GroupLogAsync(ImServer server, ulong uid)
    {
        await using var fresh = await server.LoginAsync("tcp", uid);
        return [.. (await fresh.SyncAsync(seq: 0)).Frames.Where(f => f.Type == Cmd.GroupChat).Select(f => f.As(GroupChat.Parser).Text)];
    }

    private static List<string> Texts(List<ReceivedFrame> frames) => [.. frames.Where(f => f.Type == Cmd.Chat).Select(f => f.As(Chat.Parser).Text)];

    /// <summary>The count of the duration histogram for one command and outcome, 0 if absent.</summary>
    private static double Count(string metrics, string command, string outcome)
    {
        foreach (Match match in CountLine().Matches(metrics))
        {
            var labels = match.Groups[1].Value;
            if (labels.Contains($"command=\"{command}\"") && labels.Contains($"outcome=\"{outcome}\""))
            {
                return double.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    [GeneratedRegex(@"^im_moderation_duration_milliseconds_count\{([^}]*)\} (\S+)", RegexOptions.Multiline)]
    private static partial Regex CountLine();
}

public sealed class ModerationFixture : IAsyncLifetime
{
    public ModerationService Service { get; private set; } = null!;

    public ImServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Service = await ModerationService.StartAsync();
        Server = await ImServer.StartAsync(Service.Settings(
            ("Chat:Timeout", "00:00:00.300"),
            ("GroupChat:Timeout", "00:00:00.300"), ("GroupChat:OnFailure", "reject"),
            ("RoomChat:Timeout", "00:00:00.300"), ("RoomChat:OnFailure", "reject")));
    }

    public async Task DisposeAsync()
    {
        await Server.StopAsync();
        await Service.DisposeAsync();
    }
}
