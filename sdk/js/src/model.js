// The state an app shows, with no DOM code: conversations with unread counts and message states, contacts with
// presence, groups with their timelines and members, rooms. The server keeps the account's state (contacts, read
// positions and unread counts, presence, group names), so every device of a user shows the same: the model asks for
// it at each login and follows the notices that keep it current. Messages come from ImClient's stream, each once and
// in seq order. The web page (Gateway/wwwroot) draws this model; a Node app may use it the same way.
import { ImClient, isStoredEntry } from "./client.js";
import { Emitter } from "./emitter.js";

const TYPING_SHOWN_MS = 3000;
const TYPING_EVERY_MS = 2000;
const DELIVERED_DELAY_MS = 300;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ChatModel extends Emitter {
  /**
   * @param {object} options ImClient's options, plus `storage` (a Storage-like object remembering the rooms to join
   * again after a reload; none by default) and `isVisible` (whether the user sees the screen now: an open
   * conversation is read as messages arrive only then; default always).
   */
  constructor({ storage, isVisible, ...options }) {
    super();
    this.uid = options.uid;
    this.storage = storage;
    this.isVisible = isVisible ?? (() => true);
    this.client = new ImClient({ ...options, beforeSync: () => this.prepare() });
    this.info = { sid: options.sid ?? 0, seq: 0, heartbeat: 0 };
    this.conversations = new Map();
    this.groups = new Map();
    this.rooms = new Map();
    this.notices = [];
    this.deliveries = new Map();
    this.deliveryTimer = undefined;
    this.typingSent = new Map();
    this.contacts = {
      friends: new Set(), requestsIn: new Set(), requestsOut: new Set(), blacklist: new Set(), gagged: new Set(),
      marks: {}, presence: {}, lastSeen: {}, version: 0,
    };
    this.roomsKey = `orleansim.rooms.${this.uid}`;
    this.roomsToRejoin = JSON.parse(this.storage?.getItem(this.roomsKey) ?? "[]");
    const c = this.client;
    c.on("online", ack => this.online(ack));
    c.on("ready", () => this.ready());
    c.on("entry", e => this.push({ name: e.name, body: e.body, serial: e.seq, replayed: e.replayed }));
    c.on("frame", frame => { if (!isStoredEntry(frame.name)) this.push(frame); });
    c.on("roomRejoined", ({ rid, bucket }) => { this.room(rid).bucket = bucket; this.changed(); });
    c.on("error", error => this.problem(error));
    c.on("state", state => {
      this.lastStateDetail = state.detail;
      this.changed();
    });
  }

  /** The connection state: connecting, online, reconnecting, refused, kicked, closed. */
  get state() { return this.client.state; }

  /** The highest inbox seq held without a gap. */
  get inboxSeq() { return this.client.inboxSeq; }

  /** Connects; resolves once logged in and caught up (a refused login is reported as a problem and resolves too). */
  start() { return this.client.connect().then(() => undefined, error => this.problem(error)); }

  async stop() { await this.client.close(); }

  changed() { this.emit("change"); }

  problem(error) { this.emit("problem", error); }

  /** Remembers (in the storage given) the rooms to join again after a reload. */
  save() {
    this.storage?.setItem(this.roomsKey, JSON.stringify([...this.rooms.values()].filter(r => r.joined).map(r => r.rid)));
  }

  online(ack) {
    this.info = { sid: ack.sid, seq: ack.seq ?? 0, heartbeat: ack.heartbeat ?? 0 };
    this.contacts.presence = {};
    this.emit("online", ack);
    this.changed();
  }

  /** After each login, before its SYNC: the contacts, and the conversations, which name the groups SYNC replays. */
  async prepare() {
    try {
      await this.loadContacts();
      await this.loadConversations();
    } catch (error) {
      if (error.code !== "closed") this.problem(error);
    }
  }

  /** Caught up after a login: unread counts that include what was replayed, receipts, rooms of a reloaded page. */
  async ready() {
    try {
      await this.loadConversations();
      this.deliverReplayed();
      for (const rid of this.roomsToRejoin) {
        if (!this.rooms.get(rid)?.joined) await this.joinRoom(rid, { quiet: true }).catch(error => this.problem(error));
      }

      this.roomsToRejoin = [];
    } catch (error) {
      if (error.code !== "closed") this.problem(error);
    }
  }

  /** Conversations with their read positions and unread counts, and the user's groups with their names. */
  async loadConversations() {
    const ack = await this.client.conversations({ offset: 0, num: 200 });
    for (const c of ack.conversations ?? []) {
      const target = c.kind === 1 ? this.conversation(c.id) : this.group(c.id);
      target.readSeq = c.readSeq;
      target.unread = c.unread;
      target.lastTime = c.lastTime;
      if (c.kind === 1 && c.peerReadSeq) this.receipt(c.id, "read", c.peerReadSeq);
      if (c.kind === 2) {
        // A group this device has not followed yet is replayed from its start by the next SYNC.
        this.client.trackGroup(c.id, 0);
        target.name = c.name ?? target.name;
        target.role = c.role ?? target.role;
      }
    }

    this.changed();
  }

  // ---- pushes and log entries ----

  push(frame) {
    const body = frame.body;
    switch (frame.name) {
      case "CHAT": return this.inboxChat(frame.serial, body, frame.replayed);
      case "FRIEND-ADD":
      case "FRIEND-DEL":
        // What the relays change arrives as CONTACT-NTC.
        this.notice(frame.name, `from user ${body.orig}`);
        return this.changed();
      case "P2P":
        this.notice("P2P", decoder.decode(body));
        return this.changed();
      case "BC":
        this.notice("BC", decoder.decode(body));
        return this.changed();
      case "ONLINE-NTC":
      case "OFFLINE-NTC":
        this.contacts.presence[body.uid] = frame.name === "ONLINE-NTC" ? "online" : "offline";
        if (frame.name === "OFFLINE-NTC") this.contacts.lastSeen[body.uid] = Date.now();
        return this.changed();
      case "EXCEPT":
      case "KICK":
      case "PONG":
        return undefined;
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

  /** A CHAT from the inbox: to or from this user, live, answered to this client's send, or replayed by SYNC. */
  inboxChat(seq, chat, replayed) {
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

    if (!mine && !replayed && seq > conversation.readSeq) {
      conversation.typingUntil = 0;
      if (this.activeConversation === peer && this.isVisible()) this.markRead(peer).catch(error => this.problem(error));
      else conversation.unread++;
      this.deliveries.set(peer, Math.max(this.deliveries.get(peer) ?? 0, seq));
      this.deliveryTimer ??= setTimeout(() => this.flushDeliveries(), DELIVERED_DELAY_MS);
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
    clearTimeout(this.deliveryTimer);
    this.deliveryTimer = undefined;
    for (const [peer, seq] of this.deliveries) this.client.delivered(peer, seq).catch(() => {});
    this.deliveries.clear();
  }

  /** Sends a message; it shows as "sending" until stored, and survives drops (the client resends it, same id). */
  async sendChat(peer, text) {
    const conversation = this.conversation(peer);
    const serial = await this.client.takeSerial();
    const message = { serial, from: this.uid, text, time: Date.now(), status: "sending" };
    conversation.messages.set(`p${serial}`, message);
    this.changed();
    await this.deliver(peer, message);
  }

  async deliver(peer, message) {
    const data = encoder.encode(JSON.stringify({ id: message.serial }));
    try {
      const ack = await this.client.sendChat(peer, message.text, { time: message.time, data, serial: message.serial });
      message.seq = ack.seq;
      if (message.status === "sending") message.status = "sent";
    } catch (error) {
      if (error.code === "stopped") return;
      message.status = "failed";
      message.error = error.message;
      this.problem(error);
    }

    this.changed();
  }

  retry(peer, serial) {
    const message = [...this.conversation(peer).messages.values()].find(m => m.from === this.uid && m.serial === serial);
    if (!message) return;
    message.status = "sending";
    this.changed();
    return this.deliver(peer, message);
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
    const ack = await this.client.presence(uids);
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
    const ack = await this.client.read(1, peer, newest);
    conversation.unread = ack.unread ?? 0;
    this.changed();
  }

  /** Tells the peer this user is typing, at most every couple of seconds. */
  typing(peer) {
    const now = Date.now();
    if (now - (this.typingSent.get(peer) ?? 0) < TYPING_EVERY_MS) return;
    this.typingSent.set(peer, now);
    this.client.typing(peer).catch(() => {});
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

/** The sender's message id the model puts in a CHAT's data, to match a replayed copy with the message sent. */
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
