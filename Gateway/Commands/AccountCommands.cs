using Microsoft.Extensions.Options;
using OrleansIm.Gateway.Auth;
using OrleansIm.Gateway.Pipeline;
using OrleansIm.Gateway.Sessions;
using OrleansIm.Grains.Interfaces;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Gateway.Commands;

/// <summary>
/// The account state a client asks the server for, so that every device of a user agrees: CONTACTS,
/// CONVERSATIONS, READ, DELIVERED, PRESENCE and PREFS (docs/protocol.md, "Account state").
/// </summary>
public sealed class AccountCommands(IGrainRefs refs, IOptions<GatewayOptions> options) : ICommandModule
{
    private readonly GatewayOptions _options = options.Value;

    public void Register(CommandRouter router)
    {
        router.On<Contacts>(Cmd.Contacts, Cmd.ContactsAck, static _ => Lane.Self, (_, code) => CodeAck<ContactsAck>.Create(code), OnContactsAsync);
        router.On<Conversations>(Cmd.Conversations, Cmd.ConversationsAck, static _ => Lane.Self, (_, code) => CodeAck<ConversationsAck>.Create(code), OnConversationsAsync);
        router.On<Read>(Cmd.Read, Cmd.ReadAck, static r => r.Kind == 1 ? Lane.User(r.Id) : Lane.Group(r.Id), (_, code) => CodeAck<ReadAck>.Create(code), OnReadAsync);
        router.On<Delivered>(Cmd.Delivered, Cmd.DeliveredAck, static r => Lane.User(r.Peer), (_, code) => CodeAck<DeliveredAck>.Create(code), OnDeliveredAsync);
        router.On<Presence>(Cmd.Presence, Cmd.PresenceAck, static _ => Lane.Self, (_, code) => CodeAck<PresenceAck>.Create(code), OnPresenceAsync);
        router.On<Prefs>(Cmd.Prefs, Cmd.PrefsAck, static _ => Lane.Self, (_, code) => CodeAck<PrefsAck>.Create(code), OnPrefsAsync);
    }

    private async ValueTask OnContactsAsync(ImConnection connection, FrameHeader header, Contacts request)
    {
        var code = Identity.CheckSelf(connection, request.Uid);
        if (code != ResultCode.Ok)
        {
            connection.Reply(header, Cmd.ContactsAck, CodeAck<ContactsAck>.Create(code));
            return;
        }

        var list = await refs.User(request.Uid).GetContacts();
        var friends = list.Friends.ToHashSet();
        var asked = list.PendingOut.ToHashSet();
        var asking = list.PendingIn.ToHashSet();
        var blacklisted = list.Blacklist.ToHashSet();
        var gagged = list.Gagged.ToHashSet();
        var all = friends.Concat(asked).Concat(asking).Concat(blacklisted).Concat(gagged).Concat(list.Marks.Keys).ToHashSet();
        var ack = CodeAck<ContactsAck>.Create(ResultCode.Ok);
        ack.Version = list.Version;
        ack.Total = (uint)all.Count;
        foreach (var uid in all.Order().Skip((int)Math.Min(request.Offset, int.MaxValue)).Take(PageSize(request.Num)))
        {
            var contact = new Contact
            {
                Uid = uid,
                Friend = friends.Contains(uid),
                RequestIn = asking.Contains(uid),
                RequestOut = asked.Contains(uid),
                Blacklisted = blacklisted.Contains(uid),
                Gagged = gagged.Contains(uid),
            };
            if (list.Marks.TryGetValue(uid, out var mark))
            {
                contact.Mark = mark;
            }

            ack.Contacts.Add(contact);
        }

        connection.Reply(header, Cmd.ContactsAck, ack);
    }

    private async ValueTask OnConversationsAsync(ImConnection connection, FrameHeader header, Conversations request)
    {
        var code = Identity.CheckSelf(connection, request.Uid);
        if (code != ResultCode.Ok)
        {
            connection.Reply(header, Cmd.ConversationsAck, CodeAck<ConversationsAck>.Create(code));
            return;
        }

        var page = await refs.User(request.Uid).GetConversations(request.Offset, (uint)PageSize(request.Num));
        var ack = CodeAck<ConversationsAck>.Create(ResultCode.Ok);
        ack.Total = page.Total;
        foreach (var c in page.Conversations)
        {
            var conversation = new Conversation { Kind = c.Kind, Id = c.Id, LastSeq = c.LastSeq, ReadSeq = c.ReadSeq, Unread = c.Unread };
            if (c.LastSeq > 0)
            {
                conversation.LastSender = c.LastSender;
                conversation.LastTime = c.LastTime;
                conversation.Preview = c.Preview;
            }

            if (c.PeerReadSeq > 0)
            {
                conversation.PeerReadSeq = c.PeerReadSeq;
            }

            if (c.Kind == 2)
            {
                conversation.Name = c.Name;
                conversation.Role = c.Role;
            }

            ack.Conversations.Add(conversation);
        }

        connection.Reply(header, Cmd.ConversationsAck, ack);
    }

    private async ValueTask OnReadAsync(ImConnection connection, FrameHeader header, Read request)
    {
        var code = Identity.CheckSelfAndId(connection, request.Uid, request.Id);
        var ack = CodeAck<ReadAck>.Create(code);
        if (code == ResultCode.Ok)
        {
            var outcome = await refs.User(request.Uid).MarkRead(request.Kind, request.Id, request.Seq, connection.Session!.Sid);
            ack = CodeAck<ReadAck>.Create(outcome.Code);
            if (outcome.Code == ResultCode.Ok)
            {
                ack.Unread = outcome.Unread;
            }
        }

        connection.Reply(header, Cmd.ReadAck, ack);
    }

    private async ValueTask OnDeliveredAsync(ImConnection connection, FrameHeader header, Delivered request)
    {
        var code = Identity.CheckPair(connection, request.Uid, request.Peer);
        if (code == ResultCode.Ok)
        {
            code = await refs.User(request.Uid).MarkDelivered(request.Peer, request.Seq);
        }

        connection.Reply(header, Cmd.DeliveredAck, CodeAck<DeliveredAck>.Create(code));
    }

    private async ValueTask OnPresenceAsync(ImConnection connection, FrameHeader header, Presence request)
    {
        var code = Identity.CheckSelf(connection, request.Uid);
        if (code == ResultCode.Ok && (request.Uids.Count == 0 || request.Uids.Count > _options.MaxPresenceQuery || request.Uids.Contains(0UL)))
        {
            code = ResultCode.InvalidParameter;
        }

        if (code == ResultCode.Ok && connection.Session!.Role != Roles.Admin)
        {
            // Presence is for friends only: one stranger in the list refuses the whole request.
            var friends = (await refs.User(request.Uid).GetContacts()).Friends.ToHashSet();
            if (!request.Uids.All(friends.Contains))
            {
                code = ResultCode.PermissionDenied;
            }
        }

        var ack = CodeAck<PresenceAck>.Create(code);
        if (code == ResultCode.Ok)
        {
            var uids = request.Uids.Distinct().ToList();
            var states = await Task.WhenAll(uids.Select(uid => refs.User(uid).GetPresence()));
            for (int i = 0; i < uids.Count; i++)
            {
                var state = new PresenceState { Uid = uids[i], Online = states[i].Online };
                if (states[i].Online)
                {
                    state.Terminal = states[i].Terminal;
                }
                else
                {
                    state.LastSeen = states[i].LastSeen;
                }

                ack.Users.Add(state);
            }
        }

        connection.Reply(header, Cmd.PresenceAck, ack);
    }

    private async ValueTask OnPrefsAsync(ImConnection connection, FrameHeader header, Prefs request)
    {
        var code = Identity.CheckSelf(connection, request.Uid);
        var ack = CodeAck<PrefsAck>.Create(code);
        if (code == ResultCode.Ok)
        {
            ack.Receipts = await refs.User(request.Uid).SetReceipts(request.HasReceipts ? request.Receipts : null);
        }

        connection.Reply(header, Cmd.PrefsAck, ack);
    }

    private int PageSize(uint num) => num == 0 || num > _options.MaxPage ? _options.MaxPage : (int)num;
}
