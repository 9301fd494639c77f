using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using OrleansIm.Client;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.Gateway;

[Collection(EmbeddedServerCollection.Name)]
public sealed class ContactTests(EmbeddedServerFixture fixture)
{
    private ImServer Server => fixture.Server;

    private IUserGrain User(ulong uid) => Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>((long)uid);

    [Fact]
    public async Task Requests_that_cross_each_other_make_a_friendship_on_both_sides()
    {
        // A FRIEND-ADD is two grain calls: the receiver's grain records the request, then the sender's records its own
        // side. Bob answering in between (his page shows the request at once) used to leave each with a request in and
        // out and no friendship. The interleaving, step by step:
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var a = await Server.LoginAsync("tcp", alice);
        Assert.Equal(0u, await a.SubscribeAsync(Cmd.ContactNtc));
        var relay = new FriendAdd { Orig = alice, Dest = bob, Mark = "" }.ToByteArray();
        Assert.Equal(FriendRequestOutcome.Requested, await User(bob).OnFriendRequest(alice, relay));          // Alice's request reaches Bob
        Assert.Equal(FriendRequestOutcome.Requested, await User(alice).OnFriendRequest(bob, relay));          // Bob's reaches Alice first
        Assert.Equal(ResultCode.Ok, await User(bob).ApplyFriendRequest(alice, "", FriendRequestOutcome.Requested, 0));
        Assert.Equal(ResultCode.Ok, await User(alice).ApplyFriendRequest(bob, "", FriendRequestOutcome.Requested, a.Sid));

        foreach (var (uid, other) in new[] { (alice, bob), (bob, alice) })
        {
            var contacts = await User(uid).GetContacts();
            Assert.Equal([other], contacts.Friends);
            Assert.Empty(contacts.PendingOut);
            Assert.Empty(contacts.PendingIn);
        }

        // Alice's session (the one whose request it was) hears of the friendship too.
        ContactNtc last;
        do
        {
            last = (await a.ReceiveAsync(Cmd.ContactNtc)).As(ContactNtc.Parser);
        }
        while (!last.Contact.Friend);
        Assert.Equal(bob, last.Contact.Uid);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Friendship_comes_from_mutual_requests_and_the_relay_keeps_the_mark_private(string transport)
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var a = await Server.LoginAsync(transport, alice);
        await using var b = await Server.LoginAsync(transport, bob);

        Assert.Equal(0u, await a.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = bob, Mark = "Bobby" }));
        var relay = await b.ReceiveAsync(Cmd.FriendAdd);
        var request = relay.As(FriendAdd.Parser);
        Assert.Equal((alice, bob, ""), (request.Orig, request.Dest, request.Mark));
        Assert.Equal(1UL, relay.Header.Serial);

        Assert.Equal([bob], (await User(alice).GetContacts()).PendingOut);
        Assert.Empty((await User(bob).GetContacts()).Friends);

        Assert.Equal(0u, await b.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = bob, Dest = alice, Mark = "" }));
        Assert.Equal(bob, (await a.ReceiveAsync(Cmd.FriendAdd)).As(FriendAdd.Parser).Orig);

        var aliceContacts = await User(alice).GetContacts();
        var bobContacts = await User(bob).GetContacts();
        Assert.Equal([bob], aliceContacts.Friends);
        Assert.Empty(aliceContacts.PendingOut);
        Assert.Equal("Bobby", aliceContacts.Marks[bob]);
        Assert.Equal([alice], bobContacts.Friends);
        Assert.Empty(bobContacts.PendingOut);
        Assert.Empty(bobContacts.Marks);

        Assert.Equal(ResultCode.AlreadyExists, await a.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = bob, Mark = "" }));
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Friend_del_ends_the_friendship_both_ways_and_is_relayed(string transport)
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var a = await Server.LoginAsync(transport, alice);
        await using var b = await Server.LoginAsync(transport, bob);
        await MakeFriendsAsync(a, b);

        Assert.Equal(0u, await b.CodeOfAsync(Cmd.FriendDel, new FriendDel { Orig = bob, Dest = alice }));
        var relay = (await a.ReceiveAsync(Cmd.FriendDel)).As(FriendDel.Parser);
        Assert.Equal((bob, alice), (relay.Orig, relay.Dest));
        Assert.Empty((await User(alice).GetContacts()).Friends);
        Assert.Empty((await User(bob).GetContacts()).Friends);

        Assert.Equal(ResultCode.NotFound, await b.CodeOfAsync(Cmd.FriendDel, new FriendDel { Orig = bob, Dest = alice }));
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_blacklisted_sender_is_refused_with_20014_and_nothing_is_stored(string transport)
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var a = await Server.LoginAsync(transport, alice);
        await using var b = await Server.LoginAsync(transport, bob);

        Assert.Equal(0u, await b.CodeOfAsync(Cmd.BlacklistAdd, new BlacklistAdd { Orig = bob, Dest = alice }));
        Assert.Equal(ResultCode.AlreadyExists, await b.CodeOfAsync(Cmd.BlacklistAdd, new BlacklistAdd { Orig = bob, Dest = alice }));

        Assert.Equal(ResultCode.Blacklisted, (await a.ChatAsync(bob, "let me in")).Code);
        Assert.Equal(ResultCode.Blacklisted, await a.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = bob, Mark = "" }));
        Assert.Empty(await User(bob).ReadInbox(0, 10));
        Assert.Empty(await User(alice).ReadInbox(0, 10));
        Assert.Empty((await User(alice).GetContacts()).PendingOut);

        // Bob may still write to Alice; after BLACKLIST-DEL Alice gets through again.
        Assert.Equal(0u, (await b.ChatAsync(alice, "one way")).Code);
        Assert.Equal(0u, await b.CodeOfAsync(Cmd.BlacklistDel, new BlacklistDel { Orig = bob, Dest = alice }));
        Assert.Equal(ResultCode.NotFound, await b.CodeOfAsync(Cmd.BlacklistDel, new BlacklistDel { Orig = bob, Dest = alice }));
        Assert.Equal(0u, (await a.ChatAsync(bob, "thanks")).Code);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task A_gagged_sender_is_told_ok_but_the_receiver_gets_and_keeps_nothing(string transport)
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var a = await Server.LoginAsync(transport, alice);
        await using var b = await Server.LoginAsync(transport, bob);

        Assert.Equal(0u, await b.CodeOfAsync(Cmd.GagAdd, new GagAdd { Orig = bob, Dest = alice }));
        var ack = await a.ChatAsync(bob, "are you there?");
        Assert.Equal((0u, 1UL), (ack.Code, ack.Seq));
        await b.AssertNothingSentAsync();
        Assert.Empty(await User(bob).ReadInbox(0, 10));
        Assert.Single(await User(alice).ReadInbox(0, 10));

        Assert.Equal(0u, await b.CodeOfAsync(Cmd.GagDel, new GagDel { Orig = bob, Dest = alice }));
        Assert.Equal(ResultCode.NotFound, await b.CodeOfAsync(Cmd.GagDel, new GagDel { Orig = bob, Dest = alice }));
        await a.ChatAsync(bob, "now?");
        Assert.Equal("now?", (await b.ReceiveAsync(Cmd.Chat)).As(Chat.Parser).Text);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Marks_are_set_replaced_and_deleted_privately(string transport)
    {
        var (alice, bob) = (Ids.Next(), Ids.Next());
        await using var a = await Server.LoginAsync(transport, alice);

        Assert.Equal(0u, await a.CodeOfAsync(Cmd.MarkAdd, new MarkAdd { Orig = alice, Dest = bob, Mark = "colleague" }));
        Assert.Equal(0u, await a.CodeOfAsync(Cmd.MarkAdd, new MarkAdd { Orig = alice, Dest = bob, Mark = "boss" }));
        Assert.Equal("boss", (await User(alice).GetContacts()).Marks[bob]);
        Assert.Empty((await User(bob).GetContacts()).Marks);

        Assert.Equal(ResultCode.InvalidParameter, await a.CodeOfAsync(Cmd.MarkAdd, new MarkAdd { Orig = alice, Dest = bob, Mark = new string('m', 257) }));
        Assert.Equal("boss", (await User(alice).GetContacts()).Marks[bob]);

        Assert.Equal(0u, await a.CodeOfAsync(Cmd.MarkDel, new MarkDel { Orig = alice, Dest = bob }));
        Assert.Equal(ResultCode.NotFound, await a.CodeOfAsync(Cmd.MarkDel, new MarkDel { Orig = alice, Dest = bob }));
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Someone_elses_orig_or_a_bad_dest_is_refused_and_changes_nothing(string transport)
    {
        var (alice, bob, mallory) = (Ids.Next(), Ids.Next(), Ids.Next());
        await using var m = await Server.LoginAsync(transport, mallory);

        var asAlice = new (uint Cmd, Google.Protobuf.IMessage Body)[]
        {
            (Cmd.FriendAdd, new FriendAdd { Orig = alice, Dest = bob, Mark = "" }),
            (Cmd.FriendDel, new FriendDel { Orig = alice, Dest = bob }),
            (Cmd.BlacklistAdd, new BlacklistAdd { Orig = alice, Dest = bob }),
            (Cmd.BlacklistDel, new BlacklistDel { Orig = alice, Dest = bob }),
            (Cmd.GagAdd, new GagAdd { Orig = alice, Dest = bob }),
            (Cmd.GagDel, new GagDel { Orig = alice, Dest = bob }),
            (Cmd.MarkAdd, new MarkAdd { Orig = alice, Dest = bob, Mark = "x" }),
            (Cmd.MarkDel, new MarkDel { Orig = alice, Dest = bob }),
        };
        foreach (var (cmd, body) in asAlice)
        {
            Assert.Equal(ResultCode.PermissionDenied, await m.CodeOfAsync(cmd, body));
        }

        var contacts = await User(alice).GetContacts();
        Assert.Empty(contacts.PendingOut.Concat(contacts.Blacklist).Concat(contacts.Gagged));
        Assert.Empty(contacts.Marks);

        Assert.Equal(ResultCode.InvalidParameter, await m.CodeOfAsync(Cmd.BlacklistAdd, new BlacklistAdd { Orig = mallory, Dest = 0 }));
        Assert.Equal(ResultCode.InvalidParameter, await m.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = mallory, Dest = mallory, Mark = "" }));
        Assert.Empty((await User(mallory).GetContacts()).Blacklist);
    }

    [Theory]
    [MemberData(nameof(Transports.Both), MemberType = typeof(Transports))]
    public async Task Friends_who_subscribed_learn_when_the_first_session_comes_and_the_last_goes(string transport)
    {
        var (alice, bob, stranger) = (Ids.Next(), Ids.Next(), Ids.Next());
        await using (var a = await Server.LoginAsync(transport, alice))
        await using (var b0 = await Server.LoginAsync(transport, bob))
        {
            await MakeFriendsAsync(a, b0);
        }

        await using var bob1 = await Server.LoginAsync(transport, bob);
        await using var bobUnsubscribed = await Server.LoginAsync(transport, bob);
        await using var strangerSession = await Server.LoginAsync(transport, stranger);
        foreach (var (client, cls) in new[] { (bob1, Cmd.OnlineNtc), (bob1, Cmd.OfflineNtc), (strangerSession, Cmd.OnlineNtc) })
        {
            Assert.Equal(0u, (await client.RequestAsync(Cmd.Sub, new Sub { Sub_ = cls })).As(SubAck.Parser).Code);
        }

        var first = await Server.ConnectAsync(transport);
        Assert.Equal(0u, (await first.LoginAsync(alice, Server.Token(alice), terminal: 3)).Code);
        var online = (await bob1.ReceiveAsync(Cmd.OnlineNtc)).As(OnlineNtc.Parser);
        Assert.Equal((alice, 3u), (online.Uid, online.Terminal));

        var second = await Server.LoginAsync(transport, alice);
        await second.DisposeAsync();
        await first.RequestAsync(Cmd.Offline, null);
        await first.DisposeAsync();

        var next = await bob1.ReceiveAsync();
        Assert.Equal(Cmd.OfflineNtc, next.Type);
        Assert.Equal(alice, next.As(OfflineNtc.Parser).Uid);

        await bobUnsubscribed.AssertNothingSentAsync();
        await strangerSession.AssertNothingSentAsync();
    }

    private static async Task MakeFriendsAsync(ImClient a, ImClient b)
    {
        Assert.Equal(0u, await a.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = a.Uid, Dest = b.Uid, Mark = "" }));
        Assert.Equal(0u, await b.CodeOfAsync(Cmd.FriendAdd, new FriendAdd { Orig = b.Uid, Dest = a.Uid, Mark = "" }));
        await a.ReceiveAsync(Cmd.FriendAdd);
        await b.ReceiveAsync(Cmd.FriendAdd);
    }
}
