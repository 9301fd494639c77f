// The account's state as the server keeps it, for ChatModel: contacts (CONTACTS, then CONTACT-NTC for changes made
// elsewhere), read positions of other devices (READ-NTC), receipts (RECEIPT-NTC), recall (RECALL-NTC and
// tombstones) and typing (TYPING-NTC).
import { ChatModel } from "./model.js";

const RECEIPT_STATUS = { 1: "delivered", 2: "read" };
const STATUS_RANK = { sending: 0, failed: 0, sent: 1, delivered: 2, read: 3 };
// The server's default Gateway:MaxPresenceQuery.
const PRESENCE_SLICE = 100;

Object.assign(ChatModel.prototype, {
  /** Replaces what the page knows of the contacts with the server's list (every page, not only the first). */
  async loadContacts() {
    const c = { friends: new Set(), requestsIn: new Set(), requestsOut: new Set(), blacklist: new Set(), gagged: new Set(), marks: {} };
    let version = 0;
    for (let offset = 0; ; ) {
      const ack = await this.client.contacts({ offset, num: 200 });
      version = ack.version ?? 0;
      for (const contact of ack.contacts ?? []) put(c, contact);
      offset += (ack.contacts ?? []).length;
      if (!ack.contacts?.length || offset >= (ack.total ?? 0)) break;
    }

    Object.assign(this.contacts, c, { version });
    this.changed();
    await this.friendsPresence([...c.friends]);
  },

  /** Online or last seen for these friends (PRESENCE takes a bounded list: asked in slices). */
  async friendsPresence(uids) {
    for (let i = 0; i < uids.length; i += PRESENCE_SLICE) await this.loadPresence(uids.slice(i, i + PRESENCE_SLICE));
  },

  /** Handles the account-state notices; false for any other frame. */
  accountFrame(frame) {
    const body = frame.body;
    switch (frame.name) {
      case "CONTACT-NTC":
        if (body.version > this.contacts.version) {
          this.contacts.version = body.version;
          for (const set of ["friends", "requestsIn", "requestsOut", "blacklist", "gagged"]) this.contacts[set].delete(body.contact.uid);
          delete this.contacts.marks[body.contact.uid];
          put(this.contacts, body.contact);
          if (body.contact.friend) this.friendsPresence([body.contact.uid]).catch(() => {});
        }
        return true;
      case "READ-NTC": {
        const target = body.kind === 1 ? this.conversation(body.id) : this.group(body.id);
        target.readSeq = Math.max(target.readSeq ?? 0, body.seq);
        target.unread = body.unread ?? 0;
        return true;
      }
      case "RECEIPT-NTC":
        this.receipt(body.peer, RECEIPT_STATUS[body.kind], body.seq);
        return true;
      case "RECALL-NTC": {
        const mine = body.orig === this.uid;
        const seq = mine ? body.origSeq : body.destSeq;
        const message = [...this.conversation(mine ? body.dest : body.orig).messages.values()].find(m => m.seq === seq);
        if (message) recalled(message);
        return true;
      }
      case "TYPING-NTC":
        this.showTyping(this.conversation(body.orig));
        return true;
      case "GROUP-TYPING-NTC":
        if (body.uid !== this.uid) this.showTyping(this.group(body.gid));
        return true;
      default:
        return false;
    }
  },

  /** The peer received or read this user's messages up to inbox seq <seq>: they show it, and so do later ones. */
  receipt(peer, status, seq) {
    const c = this.conversation(peer);
    if (status === "read") c.peerReadSeq = Math.max(c.peerReadSeq ?? 0, seq);
    for (const m of c.messages.values()) {
      if (m.from === this.uid && m.seq && m.seq <= seq && STATUS_RANK[status] > (STATUS_RANK[m.status] ?? 0)) m.status = status;
    }
  },

  async addFriend(uid, mark = "") {
    await this.client.addFriend(uid, mark);
    await this.loadContacts();
  },

  async removeFriend(uid) {
    await this.client.removeFriend(uid);
    await this.loadContacts();
  },

  async setFlag(kind, uid, on) {
    const method = { blacklist: on ? "blacklist" : "unblacklist", gagged: on ? "gag" : "ungag" }[kind];
    await this.client[method](uid);
    await this.loadContacts();
  },

  async setMark(uid, mark) {
    if (mark) await this.client.setMark(uid, mark);
    else await this.client.removeMark(uid);
    await this.loadContacts();
  },

  /** Takes back one of this user's messages (the server allows it for a couple of minutes). */
  async recall(peer, seq) {
    await this.client.recall(peer, seq);
    const message = [...this.conversation(peer).messages.values()].find(m => m.seq === seq);
    if (message) recalled(message);
    this.changed();
  },
});

function put(contacts, contact) {
  if (contact.friend) contacts.friends.add(contact.uid);
  if (contact.requestIn) contacts.requestsIn.add(contact.uid);
  if (contact.requestOut) contacts.requestsOut.add(contact.uid);
  if (contact.blacklisted) contacts.blacklist.add(contact.uid);
  if (contact.gagged) contacts.gagged.add(contact.uid);
  if (contact.mark) contacts.marks[contact.uid] = contact.mark;
}

function recalled(message) {
  message.recalled = true;
  message.text = "";
}

export { ChatModel };
