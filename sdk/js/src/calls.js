// The typed calls of ImClient, one per client command (docs/protocol.md). Each resolves with the reply body and
// rejects with ImError carrying the protocol code when the server refuses. The caller's uid is filled in.

const MEMBER_COMMANDS = {
  kickFromGroup: "GROUP-KICK",
  gagInGroup: "GROUP-GAG-ADD",
  ungagInGroup: "GROUP-GAG-DEL",
  banFromGroup: "GROUP-BL-ADD",
  unbanFromGroup: "GROUP-BL-DEL",
  addGroupManager: "GROUP-MGR-ADD",
  removeGroupManager: "GROUP-MGR-DEL",
};

const PEER_COMMANDS = {
  removeFriend: "FRIEND-DEL",
  blacklist: "BLACKLIST-ADD",
  unblacklist: "BLACKLIST-DEL",
  gag: "GAG-ADD",
  ungag: "GAG-DEL",
  removeMark: "MARK-DEL",
};

export const callMethods = {
  // ---- session ----

  subscribe(sub) { return this.request("SUB", { sub }); },
  unsubscribe(sub) { return this.request("UNSUB", { sub }); },
  allocSeq(num) { return this.request("ALLOC-SEQ", { uid: this.uid, num }); },
  ping() { return this.session.send("PING"); },

  // ---- private chat and contacts ----

  /**
   * CHAT with a message id from takeSerial() (or options.serial): kept and resent with the same serial across drops,
   * so it is stored once. Resolves with { seq (in this user's inbox), serial }; the message also comes as a "chat"
   * event in its place in the inbox.
   */
  async sendChat(dest, text, { level = 1, time = Date.now(), data, serial } = {}) {
    serial ??= await this.takeSerial();
    const body = { orig: this.uid, dest, level, time, text, data };
    const ack = await this.request("CHAT", body, { serial });
    if (ack.seq) this.place({ log: "inbox", seq: ack.seq, name: "CHAT", body, mine: true, own: true, serial });
    return { seq: ack.seq, serial };
  },

  addFriend(dest, mark = "") { return this.request("FRIEND-ADD", { orig: this.uid, dest, mark }); },
  setMark(dest, mark) { return this.request("MARK-ADD", { orig: this.uid, dest, mark }); },
  contacts({ offset = 0, num = 200 } = {}) { return this.request("CONTACTS", { uid: this.uid, offset, num }); },
  conversations({ offset = 0, num = 200 } = {}) { return this.request("CONVERSATIONS", { uid: this.uid, offset, num }); },
  /** kind 1: private conversation (id = peer), kind 2: group (id = gid). */
  read(kind, id, seq) { return this.request("READ", { uid: this.uid, kind, id, seq }); },
  delivered(peer, seq) { return this.request("DELIVERED", { uid: this.uid, peer, seq }); },
  /** Reads and (with receipts given) sets this user's settings. */
  prefs({ receipts } = {}) { return this.request("PREFS", { uid: this.uid, receipts }); },
  presence(uids) { return this.request("PRESENCE", { uid: this.uid, uids }); },
  /** Takes back this user's message at `seq` of this user's own inbox. */
  recall(dest, seq) { return this.request("RECALL", { orig: this.uid, dest, seq }); },
  typing(dest) { return this.request("TYPING", { orig: this.uid, dest }); },

  // ---- groups ----

  async createGroup({ gid = 0, name, desc } = {}) {
    const ack = await this.request("GROUP-CREAT", { uid: this.uid, gid, name, desc });
    this.trackGroup(ack.gid ?? gid);
    return ack;
  },

  dismissGroup(gid) { return this.request("GROUP-DIMISS", { uid: this.uid, gid }); },

  async joinGroup(gid) {
    const ack = await this.request("GROUP-JOIN", { uid: this.uid, gid });
    const info = await this.request("GROUP-INFO", { gid }).catch(() => undefined);
    // A joiner follows the log from its head at joining (its own join notice comes next).
    if (!this.groupLogs.has(gid)) this.trackGroup(gid, Math.max(0, (info?.seq ?? 1) - 1));
    return ack;
  },

  async quitGroup(gid) {
    const ack = await this.request("GROUP-QUIT", { uid: this.uid, gid });
    this.untrackGroup(gid);
    return ack;
  },

  inviteToGroup(gid, to) { return this.request("GROUP-INVITE", { uid: this.uid, gid, to }); },

  /** GROUP-CHAT, idempotent and resent as sendChat; resolves with { seq (group seq), serial }. */
  async groupChat(gid, text, { level = 1, time = Date.now(), data, serial } = {}) {
    serial ??= await this.takeSerial();
    const body = { uid: this.uid, gid, level, time, text, data };
    const ack = await this.request("GROUP-CHAT", body, { serial });
    if (ack.seq) this.place({ log: "group", gid, seq: ack.seq, name: "GROUP-CHAT", body, mine: true, own: true, serial });
    return { seq: ack.seq, serial };
  },

  /** The member list, parsed: [{ uid, role, gag }], ordered by uid. */
  async groupMembers(gid, { num = 0, offset = 0 } = {}) {
    const ack = await this.request("GROUP-USR-LIST", { gid, num, offset });
    return { members: JSON.parse(ack.list), total: ack.total };
  },

  groupInfo(gid) { return this.request("GROUP-INFO", { gid }); },
  setGroupInfo(gid, { name, desc } = {}) { return this.request("GROUP-SET-INFO", { uid: this.uid, gid, name, desc }); },
  recallGroupMessage(gid, seq) { return this.request("GROUP-RECALL", { uid: this.uid, gid, seq }); },
  groupTyping(gid) { return this.request("GROUP-TYPING", { uid: this.uid, gid }); },

  // ---- rooms ----

  createRoom({ rid = 0, name, desc = "" } = {}) { return this.request("ROOM-CREAT", { uid: this.uid, rid, name, desc }); },
  dismissRoom(rid) { return this.request("ROOM-DISMISS", { uid: this.uid, rid }); },

  /** Joins for this connection; after a reconnect the client joins again by itself before resending ROOM-CHAT. */
  async joinRoom(rid) {
    const ack = await this.request("ROOM-JOIN", { uid: this.uid, rid });
    this.joinedRooms.set(rid, ack.gid);
    return ack;
  },

  async quitRoom(rid) {
    const ack = await this.request("ROOM-QUIT", { uid: this.uid, rid });
    this.joinedRooms.delete(rid);
    return ack;
  },

  kickFromRoom(rid, uid) { return this.request("ROOM-KICK", { uid, rid }); },

  /** ROOM-CHAT to this connection's bucket. Not stored by the server: a resend after a drop may show twice. */
  roomChat(rid, text, { level = 1, time = Date.now(), data } = {}) {
    return this.request("ROOM-CHAT", { uid: this.uid, rid, gid: this.joinedRooms.get(rid) ?? 0, level, time, text, data });
  },

  broadcastToRoom(rid, data, { level = 1, time = Date.now(), expire = 60 } = {}) {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    return this.request("ROOM-BC", { rid, level, time, expire, data: bytes });
  },

  roomCount(rid) { return this.request("ROOM-USR-NUM", { rid, num: 0 }); },
  roomInfo(rid) { return this.request("ROOM-INFO", { rid }); },
};

for (const [method, command] of Object.entries(MEMBER_COMMANDS)) {
  callMethods[method] = function (gid, uid) { return this.request(command, { uid, gid }); };
}

for (const [method, command] of Object.entries(PEER_COMMANDS)) {
  callMethods[method] = function (dest) { return this.request(command, { orig: this.uid, dest }); };
}
