// What the page knows: conversations, contacts, groups and rooms, kept up to date from the session's pushes and
// replies. Inbox seqs are tracked without gaps (a gap asks SYNC); group entries by group seq. Contacts have no
// query command in the protocol, so this page keeps what it learned in localStorage; messages come from SYNC.
import { ImSession, Refusal } from "./session.js";

const SUBSCRIPTIONS = [0x0150, 0x0151, 0x0410, 0x0450, 0x0451];
const SERIAL_BLOCK = 100;
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
    this.receipts = new Map();
    this.storageKey = `orleansim.${uid}`;
    const saved = JSON.parse(localStorage.getItem(this.storageKey) ?? "{}");
    this.contacts = {
      friends: new Set(saved.friends ?? []),
      requestsIn: new Set(saved.requestsIn ?? []),
      requestsOut: new Set(saved.requestsOut ?? []),
      blacklist: new Set(saved.blacklist ?? []),
      gagged: new Set(saved.gagged ?? []),
      marks: saved.marks ?? {},
      presence: {},
    };
    this.receiptedSeq = saved.receiptedSeq ?? 0;
    for (const [gid, name] of saved.groups ?? []) this.group(gid).name = name;
    this.roomsToRejoin = saved.rooms ?? [];
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

  save() {
    const c = this.contacts;
    localStorage.setItem(this.storageKey, JSON.stringify({
      friends: [...c.friends], requestsIn: [...c.requestsIn], requestsOut: [...c.requestsOut],
      blacklist: [...c.blacklist], gagged: [...c.gagged], marks: c.marks, receiptedSeq: this.receiptedSeq,
      groups: [...this.groups.values()].filter(g => !g.gone).map(g => [g.gid, g.name ?? ""]),
      rooms: [...this.rooms.keys()],
    }));
  }

  async online(ack) {
    this.info = { sid: ack.sid, seq: ack.seq ?? 0, heartbeat: ack.heartbeat ?? 0 };
    sessionStorage.setItem("orleansim.sid", String(ack.sid));
    this.changed();
    try {
      await Promise.all(SUBSCRIPTIONS.map(sub => this.session.request("SUB", { sub })));
      await this.sync();
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
      this.flushReceipts();
    }, 300);
  }

  // ---- pushes ----

  push(frame) {
    const body = frame.body;
    switch (frame.name) {
      case "CHAT": return this.inboxChat(frame.serial, body, true);
      case "FRIEND-ADD": return this.friendAddRelay(frame.serial, body);
      case "FRIEND-DEL": return this.friendDelRelay(frame.serial, body);
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
        return this.changed();
      case "EXCEPT":
        return this.problem(`server: ${body.errmsg} (${body.code})`);
      default:
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
      c = { peer, messages: new Map(), unread: 0 };
      this.conversations.set(peer, c);
    }

    return c;
  }

  /** A CHAT from the inbox: to or from this user, live or replayed. */
  inboxChat(seq, chat, live) {
    if (!this.noteInboxSeq(seq)) return;
    const meta = parseData(chat.data);
    const mine = chat.orig === this.uid;
    const peer = mine ? chat.dest : chat.orig;
    const conversation = this.conversation(peer);
    if (meta?.receipt) {
      if (!mine) for (const id of meta.receipt) markDelivered(conversation, id);
      return this.changed();
    }

    const existing = mine && meta?.id ? [...conversation.messages.values()].find(m => m.from === this.uid && m.serial === meta.id) : undefined;
    if (existing) {
      existing.seq = seq;
      if (existing.status === "sending") existing.status = "sent";
    } else {
      conversation.messages.set(`s${seq}`, {
        seq, serial: meta?.id, from: chat.orig, text: chat.text, time: chat.time, status: mine ? "sent" : "received",
      });
    }

    if (!mine) {
      if (this.activeConversation !== peer || document.hidden) conversation.unread++;
      if (meta?.id && seq > this.receiptedSeq) this.queueReceipt(peer, meta.id, seq);
    }

    this.changed();
    return live;
  }

  queueReceipt(peer, id, seq) {
    const ids = this.receipts.get(peer) ?? [];
    ids.push(id);
    this.receipts.set(peer, ids);
    this.receiptedSeq = Math.max(this.receiptedSeq, seq);
  }

  /** Tells senders which of their messages arrived (a CHAT whose data lists their message ids; not shown). */
  flushReceipts() {
    for (const [peer, ids] of this.receipts) {
      const data = encoder.encode(JSON.stringify({ receipt: ids }));
      this.session.request("CHAT", { orig: this.uid, dest: peer, level: 0, time: Date.now(), text: "", data }, { serial: 0 })
        .catch(() => {});
    }

    if (this.receipts.size) this.save();
    this.receipts.clear();
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
    if (peer !== undefined) this.conversation(peer).unread = 0;
    this.changed();
  }

  // ---- contacts ----

  friendAddRelay(seq, body) {
    if (!this.noteInboxSeq(seq)) return;
    const c = this.contacts;
    if (c.requestsOut.has(body.orig) || c.friends.has(body.orig)) {
      c.requestsOut.delete(body.orig);
      c.friends.add(body.orig);
    } else {
      c.requestsIn.add(body.orig);
    }

    this.save();
    this.changed();
  }

  friendDelRelay(seq, body) {
    if (!this.noteInboxSeq(seq)) return;
    this.forget(body.orig);
    this.save();
    this.changed();
  }

  forget(uid) {
    const c = this.contacts;
    c.friends.delete(uid);
    c.requestsIn.delete(uid);
    c.requestsOut.delete(uid);
  }

  async addFriend(uid, mark = "") {
    await this.session.request("FRIEND-ADD", { orig: this.uid, dest: uid, mark });
    const c = this.contacts;
    if (c.requestsIn.delete(uid)) c.friends.add(uid);
    else if (!c.friends.has(uid)) c.requestsOut.add(uid);
    if (mark) c.marks[uid] = mark;
    this.save();
    this.changed();
  }

  async removeFriend(uid) {
    await this.session.request("FRIEND-DEL", { orig: this.uid, dest: uid });
    this.forget(uid);
    this.save();
    this.changed();
  }

  async setFlag(kind, uid, on) {
    const command = { blacklist: on ? "BLACKLIST-ADD" : "BLACKLIST-DEL", gagged: on ? "GAG-ADD" : "GAG-DEL" }[kind];
    await this.session.request(command, { orig: this.uid, dest: uid });
    if (on) this.contacts[kind].add(uid);
    else this.contacts[kind].delete(uid);
    this.save();
    this.changed();
  }

  async setMark(uid, mark) {
    if (mark) await this.session.request("MARK-ADD", { orig: this.uid, dest: uid, mark });
    else await this.session.request("MARK-DEL", { orig: this.uid, dest: uid });
    if (mark) this.contacts.marks[uid] = mark;
    else delete this.contacts.marks[uid];
    this.save();
    this.changed();
  }

  displayName(uid) {
    const mark = this.contacts.marks[uid];
    return mark ? `${mark} (${uid})` : `user ${uid}`;
  }
}

function parseData(data) {
  if (!data || data.length === 0) return undefined;
  try {
    const value = JSON.parse(decoder.decode(data));
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function markDelivered(conversation, id) {
  for (const message of conversation.messages.values()) {
    if (message.serial === id && message.from !== conversation.peer) message.status = "delivered";
  }
}
