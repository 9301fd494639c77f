// Groups and rooms for ChatModel: group logs by group seq (notices inline), names and read positions from the
// server, members with roles and the owner/manager actions, recall and typing; rooms with their bucket, live head
// count, chat, broadcasts and kicks.
import { ChatModel } from "./model-account.js";

const decoder = new TextDecoder();

const GROUP_NOTICES = {
  "GROUP-JOIN-NTC": "joined",
  "GROUP-QUIT-NTC": "left",
  "GROUP-KICK-NTC": "was removed",
  "GROUP-GAG-ADD-NTC": "was muted",
  "GROUP-GAG-DEL-NTC": "was unmuted",
  "GROUP-BL-ADD-NTC": "was banned",
  "GROUP-BL-DEL-NTC": "was unbanned",
  "GROUP-MGR-ADD-NTC": "became a manager",
  "GROUP-MGR-DEL-NTC": "is no longer a manager",
};

const MEMBER_ACTIONS = {
  kick: "kickFromGroup",
  ban: "banFromGroup",
  unban: "unbanFromGroup",
  gag: "gagInGroup",
  ungag: "ungagInGroup",
  appoint: "addGroupManager",
  dismiss: "removeGroupManager",
};

Object.assign(ChatModel.prototype, {
  group(gid) {
    let g = this.groups.get(gid);
    if (!g) {
      g = { gid, name: "", entries: new Map(), unread: 0, readSeq: 0, typingUntil: 0, members: [], role: "", gone: false };
      this.groups.set(gid, g);
    }

    return g;
  },

  groupFrame(frame) {
    const body = frame.body;
    // A group first heard of from a push (another device joined or created it) is named by the server.
    const unknown = !this.groups.has(body.gid) && frame.name !== "GROUP-INFO-NTC";
    const g = this.group(body.gid);
    if (unknown) this.loadGroupInfo(body.gid).catch(() => {});
    const seq = frame.serial;
    if (seq && g.entries.has(`s${seq}`)) return;
    let entry;
    if (frame.name === "GROUP-CHAT") {
      entry = { kind: "chat", seq, from: body.uid, text: body.recalled ? "" : body.text, time: body.time, recalled: body.recalled === true };
      g.typingUntil = 0;
    } else if (frame.name === "GROUP-INFO-NTC") {
      if (body.name !== undefined) g.name = body.name;
      entry = { kind: "notice", seq, text: `${body.uid === this.uid ? "You" : this.displayName(body.uid)} renamed the group${body.name !== undefined ? ` "${body.name}"` : ""}` };
    } else if (frame.name === "GROUP-RECALL-NTC") {
      const recalled = g.entries.get(`s${body.seq}`);
      if (recalled) {
        recalled.recalled = true;
        recalled.text = "";
      }

      entry = { kind: "notice", seq, text: `${body.uid === this.uid ? "You" : this.displayName(body.uid)} recalled a message` };
    } else if (GROUP_NOTICES[frame.name]) {
      const who = body.uid === this.uid ? "You" : this.displayName(body.uid);
      entry = { kind: "notice", seq, text: `${who} ${GROUP_NOTICES[frame.name]}` };
      if (body.uid === this.uid && (frame.name === "GROUP-KICK-NTC" || frame.name === "GROUP-BL-ADD-NTC" || frame.name === "GROUP-QUIT-NTC")) {
        g.left = true;
      }

      if (body.uid === this.uid && frame.name === "GROUP-JOIN-NTC") g.left = false;
      if (this.activeGroup === g.gid) this.loadMembers(g.gid).catch(() => {});
    } else if (frame.name === "GROUP-DIMISS") {
      entry = { kind: "notice", seq, text: "The group was dismissed" };
      g.gone = true;
    } else if (frame.name === "GROUP-INVITE") {
      const to = body.to === this.uid ? "you" : this.displayName(body.to);
      entry = { kind: "notice", seq, text: `${this.displayName(body.uid)} invited ${to}` };
      if (body.to === this.uid) {
        g.left = false;
        this.loadGroupInfo(g.gid).catch(() => {});
      }
    } else {
      entry = { kind: "notice", seq, text: frame.name };
    }

    g.entries.set(seq ? `s${seq}` : `n${g.entries.size}`, entry);
    if (entry.kind === "chat" && entry.from !== this.uid && !frame.replayed && seq > g.readSeq) {
      if (this.activeGroup === g.gid && this.isVisible()) this.markGroupRead(g.gid).catch(error => this.problem(error));
      else g.unread++;
    }

    this.save();
    this.changed();
  },

  async createGroup(name) {
    const ack = await this.client.createGroup({ name, desc: "" });
    const g = this.group(ack.gid);
    g.name = name;
    g.role = "owner";
    this.save();
    this.changed();
    return ack.gid;
  },

  async joinGroup(gid) {
    await this.client.joinGroup(gid);
    this.group(gid).left = false;
    await this.loadGroupInfo(gid);
  },

  /** The group's name and this user's role, from the server (so a joiner sees the name, not a number). */
  async loadGroupInfo(gid) {
    const info = await this.client.groupInfo(gid);
    const g = this.group(gid);
    g.name = info.name ?? g.name;
    g.desc = info.desc ?? "";
    if (info.role) g.role = info.role;
    this.changed();
  },

  async renameGroup(gid, name) {
    await this.client.setGroupInfo(gid, { name });
    this.group(gid).name = name;
    this.changed();
  },

  /** READ up to the newest entry of the group: the user's other devices follow. */
  async markGroupRead(gid) {
    const g = this.group(gid);
    g.unread = 0;
    let newest = 0;
    for (const e of g.entries.values()) newest = Math.max(newest, e.seq ?? 0);
    if (newest <= g.readSeq) return;
    g.readSeq = newest;
    const ack = await this.client.read(2, gid, newest);
    g.unread = ack.unread ?? 0;
    this.changed();
  },

  async recallGroupMessage(gid, seq) {
    await this.client.recallGroupMessage(gid, seq);
  },

  typingInGroup(gid) {
    const now = Date.now();
    const key = `g${gid}`;
    if (now - (this.typingSent.get(key) ?? 0) < 2000) return;
    this.typingSent.set(key, now);
    this.client.groupTyping(gid).catch(() => {});
  },

  async quitGroup(gid) {
    await this.client.quitGroup(gid);
    this.group(gid).left = true;
    this.changed();
  },

  async dismissGroup(gid) {
    await this.client.dismissGroup(gid);
    this.group(gid).gone = true;
    this.save();
    this.changed();
  },

  async invite(gid, to) {
    await this.client.inviteToGroup(gid, to);
  },

  async sendGroupChat(gid, text) {
    const g = this.group(gid);
    const serial = await this.client.takeSerial();
    const entry = { kind: "chat", from: this.uid, text, time: Date.now(), status: "sending" };
    g.entries.set(`p${serial}`, entry);
    this.changed();
    try {
      const ack = await this.client.groupChat(gid, text, { time: entry.time, serial });
      g.entries.delete(`p${serial}`);
      entry.seq = ack.seq;
      entry.status = "sent";
      if (!g.entries.has(`s${ack.seq}`)) g.entries.set(`s${ack.seq}`, entry);
    } catch (error) {
      entry.status = "failed";
      entry.error = error.message;
      throw error;
    } finally {
      this.changed();
    }
  },

  async loadMembers(gid) {
    const { members } = await this.client.groupMembers(gid);
    const g = this.group(gid);
    g.members = members;
    g.role = g.members.find(m => m.uid === this.uid)?.role ?? "";
    this.changed();
    return g.members;
  },

  async memberAction(gid, action, uid) {
    await this.client[MEMBER_ACTIONS[action]](gid, uid);
    await this.loadMembers(gid);
  },

  openGroup(gid) {
    this.activeGroup = gid;
    if (gid !== undefined) {
      this.markGroupRead(gid).catch(error => this.problem(error));
      this.loadMembers(gid).catch(error => this.problem(error));
    }

    this.changed();
  },

  // ---- rooms ----

  room(rid) {
    let r = this.rooms.get(rid);
    if (!r) {
      r = { rid, name: "", bucket: 0, count: undefined, entries: [], joined: false };
      this.rooms.set(rid, r);
    }

    return r;
  },

  roomEntry(r, kind, text, from) {
    r.entries.push({ kind, text, from, time: Date.now() });
    if (r.entries.length > 300) r.entries.shift();
  },

  roomFrame(frame) {
    const body = frame.body;
    const r = this.rooms.get(body.rid);
    if (!r) return;
    switch (frame.name) {
      case "ROOM-CHAT":
        this.roomEntry(r, "chat", body.text, body.uid);
        break;
      case "ROOM-BC":
        this.roomEntry(r, "broadcast", decoder.decode(body.data));
        break;
      case "ROOM-USR-NUM":
        r.count = body.num;
        break;
      case "ROOM-JOIN-NTC":
      case "ROOM-QUIT-NTC":
        this.roomEntry(r, "notice", `${body.uid === this.uid ? "You" : this.displayName(body.uid)} ${frame.name === "ROOM-JOIN-NTC" ? "joined" : "left"}`);
        this.countRoom(r.rid).catch(() => {});
        break;
      case "ROOM-KICK":
        this.roomEntry(r, "notice", "You were removed from this room and banned");
        r.joined = false;
        break;
      case "ROOM-KICK-NTC":
        this.roomEntry(r, "notice", `${body.uid === this.uid ? "You were" : this.displayName(body.uid) + " was"} removed and banned`);
        if (body.uid === this.uid) r.joined = false;
        else this.countRoom(r.rid).catch(() => {});
        break;
      case "ROOM-DISMISS":
        this.roomEntry(r, "notice", "The room was dismissed");
        r.joined = false;
        break;
      default:
        this.roomEntry(r, "notice", frame.name);
    }

    this.save();
    this.changed();
  },

  async createRoom(name) {
    const ack = await this.client.createRoom({ name, desc: "" });
    this.room(ack.rid).name = name;
    await this.joinRoom(ack.rid);
    return ack.rid;
  },

  async joinRoom(rid, { quiet = false } = {}) {
    const r = this.room(rid);
    try {
      const ack = await this.client.joinRoom(rid);
      r.bucket = ack.gid;
      r.joined = true;
      if (!quiet) this.roomEntry(r, "notice", `You joined (bucket ${ack.gid})`);
    } catch (error) {
      if (!quiet) this.rooms.delete(rid);
      throw error;
    } finally {
      this.save();
      this.changed();
    }

    await this.countRoom(rid);
  },

  async countRoom(rid) {
    const ack = await this.client.roomCount(rid);
    this.room(rid).count = ack.num;
    this.changed();
  },

  async quitRoom(rid) {
    await this.client.quitRoom(rid);
    this.rooms.delete(rid);
    if (this.activeRoom === rid) this.activeRoom = undefined;
    this.save();
    this.changed();
  },

  async dismissRoom(rid) {
    await this.client.dismissRoom(rid);
  },

  async sendRoomChat(rid, text) {
    const r = this.room(rid);
    await this.client.roomChat(rid, text);
    this.roomEntry(r, "chat", text, this.uid);
    this.changed();
  },

  async broadcastRoom(rid, text, expire = 60) {
    await this.client.broadcastToRoom(rid, text, { expire });
  },

  async kickFromRoom(rid, uid) {
    await this.client.kickFromRoom(rid, uid);
    this.roomEntry(this.room(rid), "notice", `You removed ${this.displayName(uid)}`);
    this.changed();
  },

  openRoom(rid) {
    this.activeRoom = rid;
    this.changed();
  },
});

export { ChatModel };
