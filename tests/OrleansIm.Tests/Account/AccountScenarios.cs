using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrleansIm.Client;
using OrleansIm.Gateway.Auth;
using OrleansIm.Grains.Storage;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Account;

/// <summary>
/// The account-state scenarios, run embedded and in PostgreSQL mode. A user's first device connects to
/// <see cref="First"/>, its second device (the other transport) to <see cref="Second"/> (another silo of the same
/// cluster in PostgreSQL mode). The servers run on <see cref="Clock"/>, which the scenarios move so that stored
/// times differ and the recall window can pass.
/// </summary>
public sealed class AccountScenarios(ImServer first, ImServer second, FakeTimeProvider clock, string transport)
{
    public ImServer First { get; } = first;

    public ImServer Second { get; } = second;

    public FakeTimeProvider Clock { get; } = clock;

    private string Other => transport == "tcp" ? "ws" : "tcp";

    public async Task ContactsAreListedWithAVersionAndOtherDevicesFollowEveryChangeAsync()
    {
        var (alice, bob, carol, dave, eve) = (Ids.Next(), Ids.Next(), Ids.Next(), Ids.Next(), Ids.Next());
        await using var phone = await First.LoginAsync(transport, alice);
        await using var laptop = await Second.LoginAsync(Other, alice);
        Assert.Equal(0u, await phone.SubscribeAsync(Cmd.ContactNtc));
        Assert.Equal(0u, await laptop.SubscribeAsync(Cmd.ContactNtc));
        await using var bobClient = await First.LoginAsync(Other, bob);
        await using var carolClient = await Second.LoginAsync(transport, carol);

        Assert.Equal(0u, await phone.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = bob, Mark = "bobby" }));
        Assert.Equal(0u, await bobClient.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = bob, Dest = alice, Mark = "" }));
        Assert.Equal(0u, await carolClient.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = carol, Dest = alice, Mark = "" }));
        Assert.Equal(0u, await phone.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = dave, Mark = "" }));
        Assert.Equal(0u, await phone.CodeOfAsync(Cmd.BlacklistAdd, new BlacklistAdd { Orig = alice, Dest = eve }));
        Assert.Equal(0u, await phone.CodeOfAsync(Cmd.GagAdd, new GagAdd { Orig = alice, Dest = dave }));

        // The laptop saw every change, the phone's own and the others' (bob's acceptance, carol's request), in order.
        var seen = await NoticesAsync(laptop, 6);
        Assert.Equal([bob, bob, carol, dave, eve, dave], seen.Select(n => n.Contact.Uid));
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.Second.Version > p.First.Version), "versions must grow");
        Assert.Equal((true, "bobby"), (seen[1].Contact.Friend, seen[1].Contact.Mark));
        Assert.True(seen[2].Contact.RequestIn);

        // The phone was told only of what others did: bob's acceptance and carol's request.
        var told = await NoticesAsync(phone, 2);
        Assert.Equal([bob, carol], told.Select(n => n.Contact.Uid));
        await phone.AssertNothingSentAsync(Cmd.ContactNtc);

        var listed = await laptop.ContactsAsync();
        Assert.Equal((0u, seen[^1].Version, 4u), (listed.Code, listed.Version, listed.Total));
        var byUid = listed.Contacts.ToDictionary(c => c.Uid);
        Assert.True(byUid[bob] is { Friend: true, RequestIn: false, RequestOut: false, Mark: "bobby" });
        Assert.True(byUid[carol] is { RequestIn: true, Friend: false });
        Assert.True(byUid[dave] is { RequestOut: true, Gagged: true });
        Assert.True(byUid[eve] is { Blacklisted: true, Friend: false });
        Assert.Equal(listed.Contacts.Select(c => c.Uid).Order(), listed.Contacts.Select(c => c.Uid));

        var page = await phone.ContactsAsync(offset: 1, num: 2);
        Assert.Equal(listed.Contacts.Skip(1).Take(2).Select(c => c.Uid), page.Contacts.Select(c => c.Uid));

        // Declining carol's request is a FRIEND-DEL; the laptop sees the contact gone.
        Assert.Equal(0u, await phone.CodeOfAsync(Cmd.FriendDel, new FriendDel { Orig = alice, Dest = carol }));
        var gone = (await NoticesAsync(laptop, 1))[0].Contact;
        Assert.True(gone is { Uid: var u, Friend: false, RequestIn: false, RequestOut: false, Blacklisted: false, Gagged: false, HasMark: false } && u == carol);

        Assert.Equal(ResultCode.PermissionDenied, (await phone.ContactsAsync(uid: bob)).Code);
    }

    public async Task ConversationsReadPositionsAndReceiptsAgreeAcrossDevicesAsync()
    {
        var (alice, bob, carol) = (Ids.Next(), Ids.Next(), Ids.Next());
        await using var phone = await First.LoginAsync(transport, alice);
        await using var laptop = await Second.LoginAsync(Other, alice);
        Assert.Equal(0u, await laptop.SubscribeAsync(Cmd.ReadNtc));
        await using var bobClient = await First.LoginAsync(Other, bob);
        Assert.Equal(0u, await bobClient.SubscribeAsync(Cmd.ReceiptNtc));
        await using var carolClient = await Second.LoginAsync(transport, carol);

        var bobSeqs = new List<ulong>();
        foreach (var text in new[] { "one", "two", "three" })
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            bobSeqs.Add((await bobClient.ChatAsync(alice, text)).Seq);
        }

        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0u, (await phone.ChatAsync(bob, "hi bob")).Code);
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0u, (await carolClient.ChatAsync(alice, "from carol, the latest")).Code);

        var gid = await bobClient.CreateGroupAsync();
        Assert.Equal(0u, await bobClient.InviteAsync(gid, alice));
        Clock.Advance(TimeSpan.FromSeconds(1));
        var firstInGroup = await bobClient.GroupChatAsync(gid, "group hello");
        Clock.Advance(TimeSpan.FromSeconds(1));
        await bobClient.GroupChatAsync(gid, "group again");

        // The inbox of alice: 1-3 from bob, 4 to bob, 5 from carol, 6 the invite.
        var list = await laptop.ConversationsAsync();
        Assert.Equal((0u, 3u), (list.Code, list.Total));
        Assert.Equal([(2u, gid), (1u, carol), (1u, bob)], list.Conversations.Select(c => (c.Kind, c.Id)));
        var group = list.Conversations[0];
        Assert.Equal(("team", "member", bob, "group again", 2u), (group.Name, group.Role, group.LastSender, group.Preview, group.Unread));
        var withBob = list.Conversations[2];
        Assert.Equal((4UL, alice, "hi bob", 0UL, 3u), (withBob.LastSeq, withBob.LastSender, withBob.Preview, withBob.ReadSeq, withBob.Unread));
        Assert.Equal((ulong)Clock.GetUtcNow().AddSeconds(-3).ToUnixTimeMilliseconds(), withBob.LastTime);

        // Reading on the phone: the laptop follows, bob gets one receipt naming his own second message.
        var read = await phone.ReadAsync(1, bob, 2);
        Assert.Equal((0u, 1u), (read.Code, read.Unread));
        var followed = (await laptop.ReceiveAsync(Cmd.ReadNtc)).As(ReadNtc.Parser);
        Assert.Equal((1u, bob, 2UL, 1u), (followed.Kind, followed.Id, followed.Seq, followed.Unread));
        var receipt = (await bobClient.ReceiveAsync(Cmd.ReceiptNtc)).As(ReceiptNtc.Parser);
        Assert.Equal((2u, alice, bobSeqs[1]), (receipt.Kind, receipt.Peer, receipt.Seq));
        await bobClient.AssertNothingSentAsync(Cmd.ReceiptNtc);

        // The read receipt is kept: any of bob's devices, any time later, lists how far alice read his messages.
        var bobsView = (await bobClient.ConversationsAsync()).Conversations.Single(c => c.Id == alice);
        Assert.Equal((bobSeqs[1], 0UL), (bobsView.PeerReadSeq, bobsView.ReadSeq));
        Assert.False(withBob.HasPeerReadSeq);

        Assert.Equal((0u, 1u), ((await phone.ReadAsync(2, gid, firstInGroup.Seq)).Code, (await laptop.ConversationsAsync()).Conversations[0].Unread));
        var again = await laptop.ConversationsAsync();
        Assert.Equal((2UL, 1u), (again.Conversations.Single(c => c.Id == bob).ReadSeq, again.Conversations.Single(c => c.Id == bob).Unread));

        // Refusals change nothing.
        Assert.Equal(ResultCode.AlreadyExists, (await phone.ReadAsync(1, bob, 1)).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await phone.ReadAsync(1, bob, 99)).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await phone.ReadAsync(1, bob, 5)).Code); // carol's message
        Assert.Equal(ResultCode.InvalidParameter, (await phone.ReadAsync(3, bob, 3)).Code);
        Assert.Equal(ResultCode.NotMember, (await carolClient.ReadAsync(2, gid, 1)).Code);
        Assert.Equal(ResultCode.PermissionDenied, (await phone.ReadAsync(1, bob, 3, uid: bob)).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await phone.ReadAsync(1, 0, 3)).Code);
        Assert.Equal(2UL, (await laptop.ConversationsAsync()).Conversations.Single(c => c.Id == bob).ReadSeq);

        // Delivered receipts, and none at all once turned off.
        Assert.Equal(0u, await laptop.DeliveredAsync(bob, 3));
        var delivered = (await bobClient.ReceiveAsync(Cmd.ReceiptNtc)).As(ReceiptNtc.Parser);
        Assert.Equal((1u, alice, bobSeqs[2]), (delivered.Kind, delivered.Peer, delivered.Seq));
        Assert.Equal(ResultCode.InvalidParameter, await laptop.DeliveredAsync(bob, 4)); // alice's own message
        Assert.False((await phone.PrefsAsync(false)).Receipts);
        Assert.False((await laptop.PrefsAsync(null)).Receipts);
        Assert.Equal(0u, await laptop.DeliveredAsync(bob, 3));
        Assert.Equal(0u, (await phone.ReadAsync(1, bob, 3)).Code);
        await bobClient.AssertNothingSentAsync(Cmd.ReceiptNtc);
        Assert.Equal(bobSeqs[1], (await bobClient.ConversationsAsync()).Conversations.Single(c => c.Id == alice).PeerReadSeq);
        Assert.True((await phone.PrefsAsync(true)).Receipts);

        // Receipts are events, never messages: bob's inbox holds his four chats, and nothing else.
        await bobClient.FramesBeforeSentinelAsync();
        var (inboxAck, _) = await bobClient.SyncAsync(seq: 0);
        Assert.Equal(4UL, inboxAck.Seq);
        var stored = await First.Services.GetRequiredService<IMessageStore>().ReadAsync(LogKind.Inbox, bob, 0, 100);
        Assert.Equal(Enumerable.Repeat(Cmd.Chat, 4), stored.Select(e => e.Cmd));
    }

    public async Task PresenceAnswersFriendsAndStartsSubscribersWithASnapshotAsync()
    {
        var (alice, bob, stranger) = (Ids.Next(), Ids.Next(), Ids.Next());
        await using var aliceClient = await First.LoginAsync(transport, alice);
        var bobClient = await Second.LoginAsync(Other, bob, sid: 0);
        Assert.Equal(0u, await aliceClient.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = bob, Mark = "" }));
        Assert.Equal(0u, await bobClient.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = bob, Dest = alice, Mark = "" }));

        var online = (await aliceClient.PresenceAsync(bob)).Users.Single();
        Assert.True(online is { Online: true, HasLastSeen: false });

        // A session that subscribes learns at once who is online.
        await using (var laptop = await First.LoginAsync(Other, alice))
        {
            Assert.Equal(0u, await laptop.SubscribeAsync(Cmd.OnlineNtc));
            var snapshot = (await laptop.ReceiveAsync(Cmd.OnlineNtc)).As(OnlineNtc.Parser);
            Assert.Equal(bob, snapshot.Uid);
        }

        Clock.Advance(TimeSpan.FromMinutes(5));
        var left = (ulong)Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await bobClient.RequestAsync(Cmd.Offline, null);
        await bobClient.DisposeAsync();
        await Transports.EventuallyAsync(async () => !(await aliceClient.PresenceAsync(bob)).Users.Single().Online, "bob offline");
        var offline = (await aliceClient.PresenceAsync(bob)).Users.Single();
        Assert.Equal((false, left), (offline.Online, offline.LastSeen));

        Assert.Equal(ResultCode.PermissionDenied, (await aliceClient.PresenceAsync(bob, stranger)).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await aliceClient.PresenceAsync()).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await aliceClient.PresenceAsync([.. Enumerable.Range(0, 101).Select(i => bob)])).Code);

        // An operator may ask about anyone.
        var adminUid = Ids.Next();
        await using var admin = await First.ConnectAsync(transport);
        Assert.Equal(0u, (await admin.LoginAsync(adminUid, First.Token(adminUid, role: Roles.Admin))).Code);
        var never = (await admin.PresenceAsync(stranger)).Users.Single();
        Assert.Equal((false, 0UL), (never.Online, never.LastSeen));
    }

    public async Task RecallReplacesTheMessageEverywhereWithinTheWindowAsync()
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var phone = await First.LoginAsync(transport, alice);
        await using var laptop = await Second.LoginAsync(Other, alice);
        await using var bobClient = await First.LoginAsync(Other, bob);

        var sent = await phone.ChatAsync(bob, "a secret");
        Assert.Equal("a secret", (await bobClient.ReceiveAsync(Cmd.Chat)).As(Chat.Parser).Text);
        await laptop.ReceiveAsync(Cmd.Chat);
        var fromBob = await bobClient.ChatAsync(alice, "mine");

        Assert.Equal(0u, fromBob.Code);
        Assert.Equal(ResultCode.PermissionDenied, await phone.RecallAsync(bob, 2)); // bob's message, at 2 in alice's inbox
        Assert.Equal(ResultCode.NotFound, await phone.RecallAsync(bob, 77));
        Assert.Equal(0u, await phone.RecallAsync(bob, sent.Seq));
        Assert.Equal(ResultCode.AlreadyExists, await phone.RecallAsync(bob, sent.Seq));

        // Both devices of alice and bob's device hear of it; each notice names the message in that inbox.
        var atBob = (await bobClient.ReceiveAsync(Cmd.RecallNtc)).As(RecallNtc.Parser);
        Assert.Equal((alice, bob, sent.Seq, 1UL), (atBob.Orig, atBob.Dest, atBob.OrigSeq, atBob.DestSeq));
        Assert.Equal(sent.Seq, (await laptop.ReceiveAsync(Cmd.RecallNtc)).As(RecallNtc.Parser).OrigSeq);

        // The text is gone from the store itself: SYNC gives the tombstone, on both sides.
        var (_, replay) = await bobClient.SyncAsync(seq: 0);
        var tombstone = replay[0].As(Chat.Parser);
        Assert.Equal((true, "", alice), (tombstone.Recalled, tombstone.Text, tombstone.Orig));
        Assert.Contains(replay, f => f.Type == Cmd.RecallNtc);
        var stored = await First.Services.GetRequiredService<IMessageStore>().GetEntryAsync(LogKind.Inbox, alice, sent.Seq);
        Assert.DoesNotContain("a secret", System.Text.Encoding.UTF8.GetString(stored!.Body));

        // The window: two minutes by default.
        var late = await phone.ChatAsync(bob, "said too long ago");
        Clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        Assert.Equal(ResultCode.TooLate, await phone.RecallAsync(bob, late.Seq));
        Assert.Equal(ResultCode.InvalidParameter, await phone.RecallAsync(Ids.Next(), late.Seq));
    }

    public async Task GroupRecallTypingAndInfoFollowTheRolesAsync()
    {
        var (owner, member, outsider) = (Ids.Next(), Ids.Next(), Ids.Next());
        await using var ownerClient = await First.LoginAsync(transport, owner);
        await using var memberClient = await Second.LoginAsync(Other, member);
        await using var outsiderClient = await First.LoginAsync(Other, outsider);
        Assert.Equal(0u, await memberClient.SubscribeAsync(Cmd.GroupTypingNtc));
        var gid = await ownerClient.CreateGroupAsync();
        Assert.Equal(0u, await ownerClient.InviteAsync(gid, member));
        var created = (ulong)Clock.GetUtcNow().ToUnixTimeMilliseconds();

        var info = await memberClient.GroupInfoAsync(gid);
        Assert.Equal((0u, "team", "a test group", owner, 2u, created, "member"), (info.Code, info.Name, info.Desc, info.Owner, info.Members, info.Created, info.Role));
        Assert.Equal(("", 2u), ((await outsiderClient.GroupInfoAsync(gid)).Role, (await outsiderClient.GroupInfoAsync(gid)).Members));
        Assert.Equal(ResultCode.NotFound, (await outsiderClient.GroupInfoAsync(Ids.Next())).Code);

        Assert.Equal(ResultCode.PermissionDenied, await memberClient.SetGroupInfoAsync(gid, "mine now", null));
        Assert.Equal(ResultCode.InvalidParameter, await ownerClient.SetGroupInfoAsync(gid, null, null));
        Assert.Equal(ResultCode.InvalidParameter, await ownerClient.SetGroupInfoAsync(gid, new string('n', 300), null));
        Assert.Equal(ResultCode.NotMember, await outsiderClient.SetGroupInfoAsync(gid, "x", null));
        Assert.Equal(0u, await ownerClient.SetGroupInfoAsync(gid, "renamed", null));
        var changed = (await memberClient.ReceiveAsync(Cmd.GroupInfoNtc)).As(GroupInfoNtc.Parser);
        Assert.Equal((owner, gid, "renamed", false), (changed.Uid, changed.Gid, changed.Name, changed.HasDesc));
        Assert.Equal(("renamed", "a test group"), ((await memberClient.GroupInfoAsync(gid)).Name, (await memberClient.GroupInfoAsync(gid)).Desc));

        // Recall: the sender within the window, the owner always, nobody else.
        var mine = await memberClient.GroupChatAsync(gid, "member's words");
        var ownersWords = await ownerClient.GroupChatAsync(gid, "owner's words");
        Assert.Equal(ResultCode.PermissionDenied, await memberClient.GroupRecallAsync(gid, ownersWords.Seq));
        Assert.Equal(ResultCode.NotMember, await outsiderClient.GroupRecallAsync(gid, mine.Seq));
        Assert.Equal(ResultCode.NotFound, await memberClient.GroupRecallAsync(gid, 999));
        Assert.Equal(ResultCode.InvalidParameter, await memberClient.GroupRecallAsync(gid, 1)); // a notice
        Assert.Equal(0u, await memberClient.GroupRecallAsync(gid, mine.Seq));
        var noticed = (await ownerClient.ReceiveAsync(Cmd.GroupRecallNtc)).As(GroupRecallNtc.Parser);
        Assert.Equal((member, mine.Seq), (noticed.Uid, noticed.Seq));
        Clock.Advance(TimeSpan.FromMinutes(3));
        var later = await memberClient.GroupChatAsync(gid, "late words");
        Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(ResultCode.TooLate, await memberClient.GroupRecallAsync(gid, later.Seq));
        Assert.Equal(0u, await ownerClient.GroupRecallAsync(gid, later.Seq));
        await memberClient.FramesBeforeSentinelAsync(); // what was pushed live, not read yet
        var (_, log) = await memberClient.SyncAsync(seq: ulong.MaxValue);
        Assert.Equal([true, false, true], log.Where(f => f.Type == Cmd.GroupChat).Select(f => f.As(GroupChat.Parser).Recalled));

        // Typing: members only, not stored, once per interval.
        Assert.Equal(0u, await ownerClient.GroupTypingAsync(gid));
        Assert.Equal(owner, (await memberClient.ReceiveAsync(Cmd.GroupTypingNtc)).As(GroupTypingNtc.Parser).Uid);
        Assert.Equal(ResultCode.RateLimited, await ownerClient.GroupTypingAsync(gid));
        Assert.Equal(ResultCode.NotMember, await outsiderClient.GroupTypingAsync(gid));
        Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0u, await ownerClient.GroupTypingAsync(gid));

        var rid = await ownerClient.CreateRoomAsync();
        Assert.Equal(0u, (await memberClient.JoinRoomAsync(rid)).Code);
        var room = await outsiderClient.RoomInfoAsync(rid);
        Assert.Equal((0u, rid, owner, 1u), (room.Code, room.Rid, room.Owner, room.Num));
        Assert.Equal(ResultCode.NotFound, (await outsiderClient.RoomInfoAsync(Ids.Next())).Code);
        Assert.Equal(ResultCode.InvalidParameter, (await outsiderClient.RoomInfoAsync(0)).Code);
    }

    public async Task TypingReachesThePeerOnlyAsync()
    {
        var (alice, bob, carol) = (Ids.Next(), Ids.Next(), Ids.Next());
        await using var aliceClient = await First.LoginAsync(transport, alice);
        await using var bobClient = await Second.LoginAsync(Other, bob);
        await using var carolClient = await First.LoginAsync(Other, carol);
        Assert.Equal(0u, await bobClient.SubscribeAsync(Cmd.TypingNtc));
        Assert.Equal(0u, await bobClient.CodeOfAsync(Cmd.BlacklistAdd, new BlacklistAdd { Orig = bob, Dest = carol }));

        Assert.Equal(0u, await aliceClient.TypingAsync(bob));
        var typing = (await bobClient.ReceiveAsync(Cmd.TypingNtc)).As(TypingNtc.Parser);
        Assert.Equal((alice, bob), (typing.Orig, typing.Dest));
        Assert.Equal(ResultCode.RateLimited, await aliceClient.TypingAsync(bob));
        Assert.Equal(ResultCode.InvalidParameter, await aliceClient.TypingAsync(alice));

        // Someone bob blocked is told nothing different, and bob sees nothing.
        Assert.Equal(0u, await carolClient.TypingAsync(bob));
        await bobClient.AssertNothingSentAsync(Cmd.TypingNtc);

        Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0u, await aliceClient.TypingAsync(bob));
        await bobClient.ReceiveAsync(Cmd.TypingNtc);
        var (_, inbox) = await bobClient.SyncAsync(seq: 0);
        Assert.Empty(inbox);
    }

    private static async Task<List<ContactNtc>> NoticesAsync(ImClient client, int count)
    {
        var notices = new List<ContactNtc>();
        while (notices.Count < count)
        {
            notices.Add((await client.ReceiveAsync(Cmd.ContactNtc)).As(ContactNtc.Parser));
        }

        return notices;
    }
}
