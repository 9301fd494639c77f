// The client an app talks to: typed calls for every client command, and the message stream. Every entry of the
// user's inbox and of each group log reaches the app exactly once and in seq order, whether it was pushed live,
// answered to this client's own send, or replayed by SYNC: a sequencer per log holds what comes after a gap, a gap
// still open shortly after asks SYNC (with a cursor for every known group), and every login is followed by a SYNC.
// Pushes that are not stored (receipts, presence, typing, rooms) are passed on as they come.
import { Emitter } from "./emitter.js";
import { ImError } from "./errors.js";
import { LogSequencer } from "./sequencer.js";
import { Session } from "./session.js";
import { callMethods } from "./calls.js";

/** Entries stored in the user's inbox (header serial = inbox seq). */
const INBOX_ENTRIES = new Set(["CHAT", "FRIEND-ADD", "FRIEND-DEL", "P2P", "RECALL-NTC", "GROUP-INVITE", "GROUP-DIMISS"]);
/** Entries stored in a group's log (header serial = group seq). */
const GROUP_ENTRIES = new Set(["GROUP-CHAT", "GROUP-JOIN-NTC", "GROUP-QUIT-NTC", "GROUP-KICK-NTC", "GROUP-GAG-ADD-NTC",
  "GROUP-GAG-DEL-NTC", "GROUP-BL-ADD-NTC", "GROUP-BL-DEL-NTC", "GROUP-MGR-ADD-NTC", "GROUP-MGR-DEL-NTC",
  "GROUP-INFO-NTC", "GROUP-RECALL-NTC"]);
/** Group notices after which this user is no longer in the group (when they name this user). */
const LEAVING = new Set(["GROUP-QUIT-NTC", "GROUP-KICK-NTC", "GROUP-BL-ADD-NTC"]);

/** True for the commands stored in the inbox or a group log, which ImClient hands out through "entry" in seq order. */
export function isStoredEntry(name) {
  return INBOX_ENTRIES.has(name) || GROUP_ENTRIES.has(name);
}

/** The optional push classes (SUB), by name. */
export const PUSH_CLASSES = Object.freeze({
  "ONLINE-NTC": 0x0150, "OFFLINE-NTC": 0x0151, "ROOM-USR-NUM": 0x0410, "ROOM-JOIN-NTC": 0x0450, "ROOM-QUIT-NTC": 0x0451,
  "CONTACT-NTC": 0x0250, "READ-NTC": 0x0251, "RECEIPT-NTC": 0x0252, "TYPING-NTC": 0x0254, "GROUP-TYPING-NTC": 0x035B,
});

export const CLIENT_DEFAULTS = Object.freeze({
  subscribe: Object.keys(PUSH_CLASSES),
  serialBlock: 100,
  gapDelayMs: 300,
  ackDelayMs: 300,
  syncTimeoutMs: 60000,
  ackDelivery: true,
});

export class ImClient extends Emitter {
  /** @param {import("../types/index.js").ImClientOptions} options */
  constructor(options) {
    super();
    this.options = { ...CLIENT_DEFAULTS, ...options };
    this.uid = options.uid;
    this.session = new Session({ ...options, afterLogin: () => this.#rejoinRooms() });
    this.inbox = new LogSequencer(options.inboxSeq ?? 0);
    this.groupLogs = new Map();
    for (const [gid, seq] of Object.entries(options.groups ?? {})) this.trackGroup(Number(gid), seq);
    this.joinedRooms = new Map();
    this.serials = { next: 0, end: 0 };
    this.syncing = null;
    this.syncAgain = false;
    this.gapTimer = undefined;
    this.ackTimer = undefined;
    this.info = undefined;
    this.session.on("state", state => this.emit("state", state));
    this.session.on("online", ack => this.#online(ack));
    this.session.on("frame", frame => this.#frame(frame));
    this.session.on("error", error => this.emit("error", error));
    this.session.on("disconnected", detail => this.emit("disconnected", detail));
    this.session.on("resent", detail => this.emit("resent", detail));
  }

  get state() { return this.session.state; }

  get sid() { return this.session.sid; }

  /** The highest inbox seq handled without a gap. */
  get inboxSeq() { return this.inbox.cursor; }

  /** The highest group seq handled without a gap, per known group. */
  get groupCursors() {
    return Object.fromEntries([...this.groupLogs].map(([gid, log]) => [gid, log.cursor]));
  }

  /**
   * Connects and resolves once logged in and caught up (the first SYNC answered); rejects when the login is refused.
   * After that the client stays connected by itself until close().
   */
  connect() {
    return new Promise((resolve, reject) => {
      const offs = [
        this.once("ready", ready => { offs.forEach(off => off()); resolve(ready); }),
        this.session.on("refused", error => { offs.forEach(off => off()); reject(error); }),
        this.session.on("state", ({ state, detail }) => {
          if (state !== "kicked" && state !== "closed") return;
          offs.forEach(off => off());
          reject(new ImError("ONLINE", state, detail ?? state));
        }),
      ];
      this.session.start();
    });
  }

  /** Logs out (OFFLINE) and closes; waiting requests fail with code "stopped". */
  async close() {
    clearTimeout(this.gapTimer);
    clearTimeout(this.ackTimer);
    await this.session.stop();
    this.emit("closed");
  }

  /** Any request by command name, for what has no typed call: resolves with the reply body. */
  request(name, body, options) {
    return this.session.request(name, body, options);
  }

  /** Follows a group's log from `seq` (0: its whole history at the next SYNC). Known groups are synced. */
  trackGroup(gid, seq = 0) {
    if (!this.groupLogs.has(gid)) this.groupLogs.set(gid, new LogSequencer(seq));
  }

  untrackGroup(gid) {
    this.groupLogs.delete(gid);
  }

  /** A message id for CHAT / GROUP-CHAT, from blocks the server hands out (ALLOC-SEQ); waits for a connection. */
  async takeSerial() {
    while (this.serials.next >= this.serials.end) {
      this.allocating ??= this.#allocate().finally(() => { this.allocating = null; });
      await this.allocating;
    }

    return this.serials.next++;
  }

  async #allocate() {
    for (;;) {
      await this.#whenOnline();
      try {
        const ack = await this.session.request("ALLOC-SEQ", { uid: this.uid, num: this.options.serialBlock });
        this.serials = { next: ack.seq + 1, end: ack.seq + 1 + ack.num };
        return;
      } catch (error) {
        if (error.code !== "closed" && error.code !== "offline") throw error;
      }
    }
  }

  #whenOnline() {
    if (this.session.online && this.session.flushed) return Promise.resolve();
    if (this.session.stopped) return Promise.reject(new ImError("connection", "stopped", "the client is not started"));
    return new Promise((resolve, reject) => {
      const offs = [
        this.session.on("online", () => { offs.forEach(off => off()); resolve(); }),
        this.session.on("state", ({ state }) => {
          if (state !== "closed" && state !== "refused" && state !== "kicked") return;
          offs.forEach(off => off());
          reject(new ImError("connection", "stopped", `the client is ${state}`));
        }),
      ];
    });
  }

  /**
   * SYNC: replays the inbox after the contiguous seq and every known group after its cursor; resolves with SYNC-ACK.
   * One runs at a time; asked again meanwhile, another follows. A gap SYNC cannot fill is given up when the answer
   * says `trimmed` (retention removed it) or after a few tries, so that later entries are not held forever.
   */
  sync() {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }

    this.syncing = this.#syncRounds().finally(() => { this.syncing = null; });
    return this.syncing;
  }

  async #syncRounds() {
    let ack;
    for (let round = 0; ; round++) {
      this.syncAgain = false;
      const groups = [...this.groupLogs].map(([gid, log]) => ({ gid, seq: log.cursor }));
      ack = await this.session.request("SYNC", { uid: this.uid, seq: this.inbox.cursor, groups }, { timeoutMs: this.options.syncTimeoutMs });
      this.#release(this.inbox.skipTo(ack.seq ?? 0));
      const gapped = [...this.groupLogs.values()].filter(log => log.gap);
      if (gapped.length > 0 && (ack.trimmed || round >= 2)) {
        for (const log of gapped) this.#release(log.skipGaps());
      } else if (gapped.length > 0) {
        this.syncAgain = true;
      }

      if (this.inbox.gap && (ack.trimmed || round >= 2)) this.#release(this.inbox.skipGaps());
      this.emit("synced", ack);
      if (!this.syncAgain || round >= 3) return ack;
    }
  }

  async #online(ack) {
    this.info = ack;
    this.emit("online", ack);
    try {
      await Promise.all(this.options.subscribe.map(name => this.session.request("SUB", { sub: PUSH_CLASSES[name] ?? name })));
      await this.options.beforeSync?.(this);
      const sync = await this.sync();
      this.emit("ready", { ack, sync });
    } catch (error) {
      // A drop during these steps is followed by a new login that runs them again.
      if (error.code !== "closed" && error.code !== "stopped" && error.code !== "offline") this.emit("error", error);
    }
  }

  async #rejoinRooms() {
    for (const rid of [...this.joinedRooms.keys()]) {
      try {
        const ack = await this.session.request("ROOM-JOIN", { uid: this.uid, rid });
        this.joinedRooms.set(rid, ack.gid);
        this.emit("roomRejoined", { rid, bucket: ack.gid });
      } catch (error) {
        if (error.code === "closed") throw error;
        this.joinedRooms.delete(rid);
        this.emit("error", error);
      }
    }
  }

  // ---- the message stream ----

  #groupLog(gid, seq) {
    let log = this.groupLogs.get(gid);
    if (!log) {
      // A group first heard of now (joined on another device, or this one): followed from this entry on.
      log = new LogSequencer(Math.max(0, seq - 1));
      this.groupLogs.set(gid, log);
    }

    return log;
  }

  /** Puts one entry of a log in its place and hands out whatever that makes ready. */
  place(entry) {
    const log = entry.log === "inbox" ? this.inbox : this.#groupLog(entry.gid, entry.seq);
    this.#release(log.offer(entry.seq, entry));
    if (log.gap && !this.gapTimer) {
      // A reply and a push may cross; a gap still open shortly after is filled by SYNC.
      this.gapTimer = setTimeout(() => {
        this.gapTimer = undefined;
        if (this.inbox.gap || [...this.groupLogs.values()].some(l => l.gap)) this.sync().catch(error => this.#syncFailed(error));
      }, this.options.gapDelayMs);
    }
  }

  #syncFailed(error) {
    if (error.code !== "closed" && error.code !== "stopped" && error.code !== "offline") this.emit("error", error);
  }

  #release(entries) {
    for (const entry of entries) {
      entry.replayed = this.syncing !== null && !entry.own;
      this.emit("entry", entry);
      if (entry.name === "CHAT") this.emit("chat", entry);
      else if (entry.name === "GROUP-CHAT") this.emit("groupChat", entry);
      else this.emit("notice", entry);
      if (entry.log === "inbox") this.#scheduleCursorAck();
      if (entry.name === "GROUP-DIMISS" || (LEAVING.has(entry.name) && entry.body.uid === this.uid)) this.untrackGroup(entry.body.gid);
    }
  }

  #scheduleCursorAck() {
    if (!this.options.ackDelivery || this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      // CHAT-ACK with the header serial = the inbox seq held without gaps moves the stored delivery cursor.
      this.session.send("CHAT-ACK", { orig: this.uid, dest: this.uid, code: 0, errmsg: "ok" }, this.inbox.cursor);
    }, this.options.ackDelayMs);
  }

  #frame(frame) {
    const { name, body } = frame;
    this.emit("frame", frame);
    // A removal from a group that names this user comes through its own inbox, not the group's log.
    const ownRemoval = (name === "GROUP-KICK-NTC" || name === "GROUP-BL-ADD-NTC") && body?.uid === this.uid;
    if ((INBOX_ENTRIES.has(name) || ownRemoval) && frame.serial) {
      const mine = typeof body === "object" && !(body instanceof Uint8Array) && (body.orig ?? body.uid) === this.uid;
      this.place({ log: "inbox", seq: frame.serial, name, body, mine });
      if (name === "P2P") this.session.send("P2P-ACK", undefined, frame.serial);
      return;
    }

    if (GROUP_ENTRIES.has(name) && frame.serial) {
      this.place({ log: "group", gid: body.gid, seq: frame.serial, name, body, mine: body.uid === this.uid });
      return;
    }

    switch (name) {
      case "ROOM-CHAT": return this.emit("roomChat", body);
      case "ONLINE-NTC": return this.emit("presence", { uid: body.uid, online: true, terminal: body.terminal });
      case "OFFLINE-NTC": return this.emit("presence", { uid: body.uid, online: false });
      case "CONTACT-NTC": return this.emit("contact", body);
      case "READ-NTC": return this.emit("read", body);
      case "RECEIPT-NTC": return this.emit("receipt", { ...body, status: body.kind === 2 ? "read" : "delivered" });
      case "TYPING-NTC": return this.emit("typing", { uid: body.orig, dest: body.dest });
      case "GROUP-TYPING-NTC": return this.emit("typing", { uid: body.uid, gid: body.gid });
      case "KICK": return this.emit("kick", body);
      case "EXCEPT": return this.emit("error", new ImError("EXCEPT", body.code, body.errmsg));
      case "BC":
        this.session.send("BC-ACK", undefined, frame.serial);
        return this.emit("broadcast", { data: body });
      default:
        if (name.startsWith("ROOM-")) {
          if (name === "ROOM-DISMISS" || name === "ROOM-KICK") this.joinedRooms.delete(body.rid);
          return this.emit("room", { name, ...body });
        }

        return this.emit("notice", { log: "none", name, body });
    }
  }
}

Object.assign(ImClient.prototype, callMethods);
