// What the page knows: conversations, contacts, groups and rooms. The server keeps the account's state (contacts,
// read positions and unread counts, presence, group names), so every device of a user shows the same: the page asks
// for it at each login and follows the notices that keep it current. Messages come from SYNC; inbox seqs are tracked
// without gaps (a gap asks SYNC); group entries by group seq. Nothing of the account is kept in the browser; only the
// rooms this tab was in are remembered for the tab (sessionStorage), since room membership belongs to a session.
import { ImSession, Refusal } from "./session.js";

// ONLINE-NTC, OFFLINE-NTC, ROOM-USR-NUM, ROOM-JOIN-NTC, ROOM-QUIT-NTC, CONTACT-NTC, READ-NTC, RECEIPT-NTC,
// TYPING-NTC, GROUP-TYPING-NTC.
const SUBSCRIPTIONS = [0x0150, 0x0151, 0x0410, 0x0450, 0x0451, 0x0250, 0x0251, 0x0252, 0x0254, 0x035B];
const SERIAL_BLOCK = 100;
const TYPING_SHOWN_MS = 3000;
const TYPING_EVERY_MS = 2000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ChatModel extends EventTarget {
  constructor({ url, uid, token, sid }) {
    super();
    this.uid = uid;
    this.session = new ImSession({ url, uid, token, sid });
    this.info = { sid: sid ?? 0, seq: 0, heartbeat: 0 };
    this.inboxSeq = 0;
    this.seenSeqs = new Set();
    this.highestSeen = 0;
    this.conversations = new Map();
    this.groups = new Map();
    this.rooms = new Map();
    this.notices = [];
    this.serials = { next: 0, end: 0 };
    this.syncing = null;
    this.gapTimer = 0;
    this.ackTimer = 0;
    this.deliveries = new Map();
    this.typingSent = new Map();
    this.contacts = {
      friends: new Set(), requestsIn: new Set(), requestsOut: new Set(), blacklist: new Set(), gagged: new Set(),
      marks: {}, presence: {}, lastSeen: {}, version: 0,
    };
    this.roomsKey = `orleansim.rooms.${uid}`;
    this.roomsToRejoin = JSON.parse(sessionStorage.getItem(this.roomsKey) ?? "[]");
    this.session.addEventListener("online", e => this.online(e.detail));
    this.session.addEventListener("push", e => this.push(e.detail));
    this.session.addEventListener("problem", e => this.problem(e.detail));
    this.session.addEventListener("state", e => {
      this.lastStateDetail = e.detail.detail;
      this.changed();
    });
  }

  start() { this.session.start(); }

  async stop() { await this.session.stop(); }

  changed() { this.dispatchEvent(new Event("change")); }

  problem(text) { this.dispatchEvent(new CustomEvent("problem", { detail: text })); }

  /** Remembers, for this tab only, the rooms to join again after a reload. */
  save() {
    sessionStorage.setItem(this.roomsKey, JSON.stringify([...this.rooms.values()].filter(r => r.joined).map(r => r.rid)));
  }

  async online(ack) {
    this.info = { sid: ack.sid, seq: ack.seq ?? 0, heartbeat: ack.heartbeat ?? 0 };
    sessionStorage.setItem("orleansim.sid", String(ack.sid));
    this.contacts.presence = {};
    this.changed();
    try {
      // Presence comes as ONLINE-NTC right after its SUB: a snapshot of the friends online now.
      await Promise.all(SUBSCRIPTIONS.map(sub => this.session.request("SUB", { sub })));
      await this.loadContacts();
      // The conversation list names the user's groups, which SYNC then replays; asked again afterwards, it gives
      // unread counts that include whatever arrived while replaying.
      await this.loadConversations();
      await this.sync();
      await this.loadConversations();
      this.deliverReplayed();
      for (const rid of [...this.rooms.keys(), ...this.roomsToRejoin]) {
        await this.joinRoom(rid, { quiet: true }).catch(error => this.problem(error));
      }

      this.roomsToRejoin = [];
      await this.resendUnacknowledged();
    } catch (error) {
      if (!(error instanceof Refusal) || error.code !== "closed") this.problem(error);
    }
  }

  /** Replays what this page has not seen: the inbox after the contiguous seq, every known group after its cursor. */
  sync() {
    if (this.syncing) return this.syncing;
    const groups = [...this.groups.values()].filter(g => !g.gone).map(g => ({ gid: g.gid, seq: g.cursor }));
    this.syncing = this.session.request("SYNC", { uid: this.uid, seq: this.inboxSeq, groups }, { timeoutMs: 60000 })
      .then(ack => {
        if (ack.seq !== undefined && ack.seq > this.inboxSeq) this.advanceTo(ack.seq);
        this.changed();
        return ack;
      })
      .finally(() => { this.syncing = null; });
    return this.syncing;
  }

  /** Conversations with their read positions and unread counts, and the user's groups with their names. */
  async loadConversations() {
    const ack = await this.session.request("CONVERSATIONS", { uid: this.uid, offset: 0, num: 200 });
    for (const c of ack.conversations ?? []) {
      const target = c.kind === 1 ? this.conversation(c.id) : this.group(c.id);
      target.readSeq = c.readSeq;
      target.unread = c.unread;
      target.lastTime = c.lastTime;
      if (c.kind === 1 && c.peerReadSeq) this.receipt(c.id, "read", c.peerReadSeq);
      if (c.kind === 2) {
        target.name = c.name ?? target.name;
        target.role = c.role ?? target.role;
      }
    }

    this.changed();
  }

  // ---- inbox seqs ----

  noteInboxSeq(seq) {
    if (!seq || seq <= this.inboxSeq) return false;
    if (this.seenSeqs.has(seq)) return false;
    this.seenSeqs.add(seq);
    this.highestSeen = Math.max(this.highestSeen, seq);
    while (this.seenSeqs.has(this.inboxSeq + 1)) {
      this.seenSeqs.delete(++this.inboxSeq);
    }

    if (this.highestSeen > this.inboxSeq && !this.gapTimer) {
      // Replies and pushes may cross; a gap that is still open shortly after is filled by SYNC.
      this.gapTimer = setTimeout(() => {
        this.gapTimer = 0;
        if (this.highestSeen > this.inboxSeq) this.sync().catch(() => {});
      }, 500);
    }

    this.scheduleCursorAck();
    return true;
  }

  advanceTo(seq) {
    for (const s of this.seenSeqs) if (s <= seq) this.seenSeqs.delete(s);
    this.inboxSeq = Math.max(this.inboxSeq, seq);
    this.highestSeen = Math.max(this.highestSeen, seq);
    this.scheduleCursorAck();
  }

  scheduleCursorAck() {
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = 0;
      // The receiver's CHAT-ACK: header serial is the seq this page holds without gaps.
      this.session.send("CHAT-ACK", { orig: this.uid, dest: this.uid, code: 0, errmsg: "ok" }, this.inboxSeq);
      this.flushDeliveries();
    }, 300);
  }

  // ---- pushes ----

  push(frame) {
    const body = frame.body;
    switch (frame.name) {
      case "CHAT": return this.inboxChat(frame.serial, body);
      case "FRIEND-ADD":
      case "FRIEND-DEL":
        // The relays hold inbox seqs; what they change arrives as CONTACT-NTC.
        if (this.noteInboxSeq(frame.serial)) this.notice(frame.name, `from user ${body.orig}`);
        return this.changed();
      case "P2P":
        if (this.noteInboxSeq(frame.serial)) this.notice("P2P", decoder.decode(body));
        this.session.send("P2P-ACK", undefined, frame.serial);
        return this.changed();
      case "BC":
        this.notice("BC", decoder.decode(body));
        this.session.send("BC-ACK", undefined, frame.serial);
        return this.changed();
      case "ONLINE-NTC":
      case "OFFLINE-NTC":
        this.contacts.presence[body.uid] = frame.name === "ONLINE-NTC" ? "online" : "offline";
        if (frame.name === "OFFLINE-NTC" && !this.syncing) this.contacts.lastSeen[body.uid] = Date.now();
        return this.changed();
      case "EXCEPT":
        return this.problem(`server: ${body.errmsg} (${body.code})`);
      default:
        if (this.accountFrame(frame)) return this.changed();
        if (frame.name.startsWith("GROUP-")) return this.groupFrame(frame);
        if (frame.name.startsWith("ROOM-")) return this.roomFrame(frame);
        this.notice(frame.name, JSON.stringify(body ?? {}));
        return this.changed();
    }
  }

  notice(kind, text) {
    this.notices.push({ kind, text, time: Date.now() });
    if (this.notices.length > 500) this.notices.shift();
  }

  // ---- private chat ----

  conversation(peer) {
    let c = this.conversations.get(peer);
    if (!c) {
      c = { peer, messages: new Map(), unread: 0, readSeq: 0, typingUntil: 0 };
      this.conversations.set(peer, c);
    }

    return c;
  }

  /** A CHAT from the inbox: to or from this user, live or replayed by SYNC. */
  inboxChat(seq, chat) {
    if (!this.noteInboxSeq(seq)) return;
    const live = !this.syncing;
    const id = messageId(chat.data);
    const mine = chat.orig === this.uid;
    const peer = mine ? chat.dest : chat.orig;
    const conversation = this.conversation(peer);
    const existing = mine && id ? [...conversation.messages.values()].find(m => m.from === this.uid && m.serial === id) : undefined;
    if (existing) {
      existing.seq = seq;
      if (existing.status === "sending") existing.status = "sent";
    } else {
      conversation.messages.set(`s${seq}`, {
        seq, serial: id, from: chat.orig, text: chat.text, time: chat.time, recalled: chat.recalled === true,
        status: !mine ? "received" : seq <= (conversation.peerReadSeq ?? 0) ? "read" : "sent",
      });
    }

    if (!mine && live && seq > conversation.readSeq) {
      conversation.typingUntil = 0;
      if (this.activeConversation === peer && !document.hidden) this.markRead(peer).catch(error => this.problem(error));
      else conversation.unread++;
      this.deliveries.set(peer, Math.max(this.deliveries.get(peer) ?? 0, seq));
    }

    this.changed();
  }

  /** After a SYNC: the newest unread message of each conversation was delivered to this device. */
  deliverReplayed() {
    for (const c of this.conversations.values()) {
      const newest = latestFrom(c, c.peer);
      if (newest && newest.seq > c.readSeq) this.deliveries.set(c.peer, Math.max(this.deliveries.get(c.peer) ?? 0, newest.seq));
    }

    this.flushDeliveries();
  }

  /** Tells senders their messages reached this device (DELIVERED: a receipt for them, never a stored message). */
  flushDeliveries() {
    for (const [peer, seq] of this.deliveries) {
      this.session.request("DELIVERED", { uid: this.uid, peer, seq }).catch(() => {});
    }

    this.deliveries.clear();
  }

  async sendChat(peer, text) {
    const conversation = this.conversation(peer);
    const serial = await this.takeSerial();
    const message = { serial, from: this.uid, text, time: Date.now(), status: "sending" };
    conversation.messages.set(`p${serial}`, message);
    this.changed();
    await this.deliver(peer, message);
  }

  async deliver(peer, message) {
    const data = encoder.encode(JSON.stringify({ id: message.serial }));
    try {
      const ack = await this.session.request("CHAT",
        { orig: this.uid, dest: peer, level: 1, time: message.time, text: message.text, data }, { serial: message.serial });
      message.seq = ack.seq;
      if (message.status === "sending") message.status = "sent";
      this.noteInboxSeq(ack.seq);
    } catch (error) {
      // Dropped connections keep the message "sending": it is sent again, same serial, after reconnecting.
      if (error.code === "closed" || error.code === "offline" || error.code === "timeout") return;
      message.status = "failed";
      message.error = error.message;
      this.problem(error);
    }

    this.changed();
  }

  async resendUnacknowledged() {
    for (const conversation of this.conversations.values()) {
      for (const message of conversation.messages.values()) {
        if (message.status === "sending") await this.deliver(conversation.peer, message);
      }
    }
  }

  retry(peer, serial) {
    const message = [...this.conversation(peer).messages.values()].find(m => m.from === this.uid && m.serial === serial);
    if (!message) return;
    message.status = "sending";
    this.changed();
    return this.deliver(peer, message);
  }

  async takeSerial() {
    if (this.serials.next >= this.serials.end) {
      const ack = await this.session.request("ALLOC-SEQ", { uid: this.uid, num: SERIAL_BLOCK });
      this.serials = { next: ack.seq + 1, end: ack.seq + 1 + ack.num };
    }

    return this.serials.next++;
  }

  openConversation(peer) {
    this.activeConversation = peer;
    if (peer !== undefined) {
      this.markRead(peer).catch(error => this.problem(error));
      if (this.contacts.friends.has(peer)) this.loadPresence([peer]).catch(() => {});
    }

    this.changed();
  }

  /** Online or last seen, for friends (the server answers PRESENCE for friends only). */
  async loadPresence(uids) {
    const ack = await this.session.request("PRESENCE", { uid: this.uid, uids });
    for (const user of ack.users ?? []) {
      this.contacts.presence[user.uid] = user.online ? "online" : "offline";
      if (user.lastSeen) this.contacts.lastSeen[user.uid] = user.lastSeen;
    }

    this.changed();
  }

  /** READ up to the newest message of the conversation: other devices follow, the peer gets a read receipt. */
  async markRead(peer) {
    const conversation = this.conversation(peer);
    conversation.unread = 0;
    const newest = latestSeq(conversation);
    if (newest <= conversation.readSeq) return;
    conversation.readSeq = newest;
    const ack = await this.session.request("READ", { uid: this.uid, kind: 1, id: peer, seq: newest });
    conversation.unread = ack.unread ?? 0;
    this.changed();
  }

  /** Tells the peer this user is typing, at most every couple of seconds. */
  typing(peer) {
    const now = Date.now();
    if (now - (this.typingSent.get(peer) ?? 0) < TYPING_EVERY_MS) return;
    this.typingSent.set(peer, now);
    this.session.request("TYPING", { orig: this.uid, dest: peer }).catch(() => {});
  }

  isTyping(conversation) { return conversation.typingUntil > Date.now(); }

  showTyping(target) {
    target.typingUntil = Date.now() + TYPING_SHOWN_MS;
    setTimeout(() => this.changed(), TYPING_SHOWN_MS + 50);
  }

  displayName(uid) {
    const mark = this.contacts.marks[uid];
    return mark ? `${mark} (${uid})` : `user ${uid}`;
  }
}

/** The sender's message id a page puts in a CHAT's data. */
function messageId(data) {
  if (!data || data.length === 0) return undefined;
  try {
    const value = JSON.parse(decoder.decode(data));
    return typeof value?.id === "number" ? value.id : undefined;
  } catch {
    return undefined;
  }
}

function latestSeq(conversation) {
  let seq = 0;
  for (const m of conversation.messages.values()) seq = Math.max(seq, m.seq ?? 0);
  return seq;
}

function latestFrom(conversation, uid) {
  let newest;
  for (const m of conversation.messages.values()) if (m.from === uid && m.seq && (!newest || m.seq > newest.seq)) newest = m;
  return newest;
}
