using Orleans.Concurrency;

namespace OrleansIm.Grains.Interfaces;

/// <summary>
/// One user (key: uid): live sessions (memory), contacts, blacklist, gag list and marks (persisted), the inbox
/// head and delivery cursor, and the serial blocks handed out by ALLOC-SEQ. Calls never wait on another user's
/// grain (the gateway sequences two-user operations), so two users acting on each other cannot deadlock.
/// </summary>
[Alias("im.IUserGrain")]
public interface IUserGrain : IGrainWithIntegerKey
{
    /// <summary>Registers a live session; an older session with the same sid is kicked.</summary>
    [Alias("Online")]
    Task<OnlineResult> Online(SessionInfo session);

    /// <summary>Ends a session, only if <paramref name="connectionId"/> on node <paramref name="nid"/> still holds the sid.</summary>
    [Alias("Offline")]
    Task Offline(ulong sid, uint nid, long connectionId);

    /// <summary>The live sessions, ordered by sid.</summary>
    [Alias("GetSessions")]
    Task<IReadOnlyList<SessionInfo>> GetSessions();

    /// <summary>
    /// Receiver side of CHAT from <paramref name="orig"/>: refuses if blacklisted; otherwise stores the message in
    /// this inbox (not when the sender is gagged here) and in the sender's, in one commit (once per (orig, serial)
    /// when serial is non-zero), and pushes it to this user's sessions. Interleaves: consecutive messages are
    /// committed together, each started in the order its sender's connection sent it (<paramref name="order"/>).
    /// </summary>
    [AlwaysInterleave]
    [Alias("ReceiveChat.v2")]
    Task<ChatDelivery> ReceiveChat(ulong orig, ulong serial, [Immutable] byte[] chatBody, CallOrder order);

    /// <summary>
    /// <see cref="ReceiveChat"/> for several messages of one sender's connection at once, in their order: each is
    /// checked and stored as that call would, and the answers come back in the same order. One argument object, so
    /// that nothing is boxed on the way.
    /// </summary>
    [AlwaysInterleave]
    [Alias("ReceiveChats")]
    Task<ChatDelivery[]> ReceiveChats(ChatBatch batch);

    /// <summary>Hands out <paramref name="count"/> serials; returns the last one before them.</summary>
    [Alias("AllocateSerials")]
    Task<ulong> AllocateSerials(uint count);

    [Alias("GetSyncPosition")]
    Task<SyncPosition> GetSyncPosition();

    /// <summary>Up to <paramref name="max"/> inbox entries after <paramref name="afterSeq"/>, in seq order.</summary>
    [Alias("ReadInbox")]
    Task<IReadOnlyList<LogEntry>> ReadInbox(ulong afterSeq, int max);

    /// <summary>A receiver ACK: the stored cursor moves up to <paramref name="seq"/> (never down, never past the head).</summary>
    [OneWay]
    [Alias("AdvanceCursor")]
    Task AdvanceCursor(ulong seq);

    /// <summary>Receiving side of FRIEND-ADD from <paramref name="orig"/>; relays the request into this inbox.</summary>
    [Alias("OnFriendRequest")]
    Task<FriendRequestOutcome> OnFriendRequest(ulong orig, byte[] relayBody);

    /// <summary>
    /// Sending side of FRIEND-ADD, after the receiver answered; returns the reply code. The change is pushed to this
    /// user's sessions but <paramref name="sourceSid"/> (the one that asked), as are the ones below.
    /// </summary>
    [Alias("ApplyFriendRequest.v2")]
    Task<uint> ApplyFriendRequest(ulong dest, string mark, FriendRequestOutcome outcome, ulong sourceSid);

    /// <summary>
    /// Receiving side of FRIEND-DEL: forgets <paramref name="orig"/>; relays the FRIEND-DEL if either side had a
    /// friendship or request to end. True if this side had one.
    /// </summary>
    [Alias("OnFriendDeleted")]
    Task<bool> OnFriendDeleted(ulong orig, byte[] relayBody, bool senderHadAny);

    /// <summary>Sending side of FRIEND-DEL (ending a friendship, or a request either way); true if there was one.</summary>
    [Alias("RemoveFriend.v2")]
    Task<bool> RemoveFriend(ulong dest, ulong sourceSid);

    /// <summary>Adds or removes <paramref name="dest"/> on the blacklist; returns the reply code.</summary>
    [Alias("SetBlacklisted.v2")]
    Task<uint> SetBlacklisted(ulong dest, bool listed, ulong sourceSid);

    /// <summary>Adds or removes <paramref name="dest"/> on the gag list; returns the reply code.</summary>
    [Alias("SetGagged.v2")]
    Task<uint> SetGagged(ulong dest, bool gagged, ulong sourceSid);

    /// <summary>Sets (non-null) or deletes (null) the private mark for <paramref name="dest"/>; returns the reply code.</summary>
    [Alias("SetMark.v2")]
    Task<uint> SetMark(ulong dest, string? mark, ulong sourceSid);

    [Alias("GetContacts")]
    Task<ContactList> GetContacts();

    /// <summary>A friend's first session came online, or its last went offline: push the notice to subscribers.</summary>
    [OneWay]
    [Alias("OnFriendPresence")]
    Task OnFriendPresence(ulong friend, bool online, uint terminal);

    /// <summary>
    /// This user became a member of <paramref name="gid"/> (as its creator when <paramref name="created"/>); a
    /// non-empty <paramref name="invite"/> (a GROUP-INVITE body) goes to the inbox. SYNC starts the group's log
    /// after <paramref name="fromSeq"/>. Returns the nodes the user is online on, for the group's delivery index.
    /// </summary>
    [Alias("AddGroup")]
    Task<NodeRef[]> AddGroup(ulong gid, bool created, byte[] invite, ulong fromSeq);

    /// <summary>This user left <paramref name="gid"/>; a non-empty <paramref name="notice"/> frame body goes to the inbox.</summary>
    [Alias("RemoveGroup")]
    Task RemoveGroup(ulong gid, uint noticeCmd, byte[] notice);

    /// <summary>False when this user created as many groups as the quota allows (and they still exist).</summary>
    [Alias("CanCreateGroup")]
    Task<bool> CanCreateGroup();

    /// <summary>The groups this user belongs to, with the seq of each that the last SYNC delivered.</summary>
    [Alias("GetGroupCursors")]
    Task<IReadOnlyDictionary<ulong, ulong>> GetGroupCursors();

    /// <summary>Records how far a SYNC delivered the log of <paramref name="gid"/>.</summary>
    [Alias("SetGroupCursor")]
    Task SetGroupCursor(ulong gid, ulong seq);

    /// <summary>A P2P push from the admin API: stored in the inbox (so SYNC delivers it later) and pushed; returns its seq.</summary>
    [Alias("PushP2P")]
    Task<ulong> PushP2P([Immutable] byte[] body);

    /// <summary>Sends KICK with <paramref name="code"/> to every live session; returns how many.</summary>
    [Alias("KickAll")]
    Task<int> KickAll(uint code);

    /// <summary>Whether this user is online now, and when the last session ended.</summary>
    [AlwaysInterleave]
    [Alias("GetPresence")]
    Task<PresenceInfo> GetPresence();

    /// <summary>Turns sending receipts on or off (null: leaves it); returns whether they are sent.</summary>
    [Alias("SetReceipts")]
    Task<bool> SetReceipts(bool? on);

    /// <summary>
    /// READ: this user read conversation <paramref name="id"/> (<paramref name="kind"/> 1 private: a peer, whose
    /// message is at inbox seq <paramref name="seq"/>; 2 group: a gid and group seq) up to <paramref name="seq"/>.
    /// Stored; pushed to this user's other sessions; a private read sends the peer a read receipt.
    /// </summary>
    [Alias("MarkRead")]
    Task<ReadOutcome> MarkRead(uint kind, ulong id, ulong seq, ulong sourceSid);

    /// <summary>DELIVERED: the message from <paramref name="peer"/> at inbox seq <paramref name="seq"/> is shown; the peer gets a receipt. Returns the code.</summary>
    [Alias("MarkDelivered")]
    Task<uint> MarkDelivered(ulong peer, ulong seq);

    /// <summary><paramref name="reader"/> received (1) or read (2) this user's messages up to <paramref name="seq"/> of this inbox.</summary>
    [OneWay]
    [Alias("OnReceipt")]
    Task OnReceipt(uint kind, ulong reader, ulong seq);

    /// <summary>A page of this user's private conversations and groups, most recent first.</summary>
    [Alias("GetConversations")]
    Task<ConversationPage> GetConversations(uint offset, uint num);

    /// <summary>
    /// The sender's side of RECALL of the message at <paramref name="seq"/> of this inbox, to <paramref name="peer"/>:
    /// checks it is this user's, within the recall window and not recalled yet, and replaces it with its tombstone.
    /// </summary>
    [Alias("PrepareRecall")]
    Task<RecallPlan> PrepareRecall(ulong peer, ulong seq);

    /// <summary>The receiver's side of RECALL: stores the notice in both inboxes, pushes it here; returns its seq in the sender's inbox.</summary>
    [Alias("ReceiveRecall")]
    Task<ulong> ReceiveRecall(ulong orig, bool storedHere, [Immutable] byte[] notice);

    /// <summary>
    /// A row this user's grain did not append itself (a CHAT, a RECALL-NTC) is at <paramref name="seq"/> of this
    /// inbox: pushed to the sessions but <paramref name="sourceSid"/>.
    /// </summary>
    [OneWay]
    [Alias("OnAppended")]
    Task OnAppended(uint cmd, ulong seq, ulong sourceSid, [Immutable] byte[] body);

    /// <summary><see cref="OnAppended"/> for CHATs this user sent, several at once (after a <see cref="ReceiveChats"/>).</summary>
    [OneWay]
    [Alias("OnChatsSent")]
    Task OnChatsSent(SentChats sent);

    /// <summary><paramref name="orig"/> is typing to this user: pushed to the sessions that subscribed (not kept).</summary>
    [OneWay]
    [Alias("OnTyping")]
    Task OnTyping(ulong orig);

    /// <summary>Everything this grain keeps about the user (for an export).</summary>
    [Alias("GetAccount")]
    Task<AccountSnapshot> GetAccount();

    /// <summary>
    /// Erases the user's own data: contacts, group list, cursors, read positions and settings, and every inbox entry
    /// (the inbox head stays, so seqs are never reused). With <paramref name="tombstoneSent"/> the CHAT and GROUP-CHAT
    /// bodies it sent that others still hold become tombstones. Idempotent. Call after the groups and contacts were
    /// told (<see cref="IGroupGrain.EraseMember"/>, <see cref="OnContactErased"/>).
    /// </summary>
    [Alias("EraseAccount")]
    Task<AccountErasure> EraseAccount(bool tombstoneSent);

    /// <summary>An erased account is forgotten as a friend or request, with a CONTACT-NTC to this user's sessions.</summary>
    [Alias("OnContactErased")]
    Task<bool> OnContactErased(ulong erased);
}
