// Every typed call of ImClient against a real gateway, and refusals surfacing as ImError with the documented code.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ImError } from "../src/index.js";
import { devToken, newClient, newUid, next, refused, until, wsUrl } from "./helpers.mjs";

const a = newUid(), b = newUid(), c = newUid();
let A, B, C;

before(async () => {
  [A, B, C] = [newClient(a), newClient(b), newClient(c)];
  await Promise.all([A.connect(), B.connect(), C.connect()]);
});

after(async () => {
  await Promise.all([A, B, C].map(client => client?.close()));
});

test("the socket chose the packed subprotocol, and a burst of replies arrives whole and in order", async () => {
  assert.equal(A.session.socket.protocol, "orleansim.packed");
  const blocks = await Promise.all(Array.from({ length: 50 }, () => A.allocSeq(1)));
  const starts = blocks.map(block => Number(block.seq));
  assert.deepEqual(starts, [...starts].sort((x, y) => x - y));
  assert.equal(new Set(starts).size, 50);
});

test("session calls: subscribe, unsubscribe, allocSeq, sync, ping", async () => {
  assert.equal((await A.subscribe(0x0150)).code, 0);
  assert.equal((await A.unsubscribe(0x0150)).code, 0);
  await refused(A.subscribe(0x0201), 20007);
  const block = await A.allocSeq(5);
  assert.equal(block.num, 5);
  const sync = await A.sync();
  assert.equal(sync.code, 0);
  assert.equal(A.ping(), true);
});

test("contacts: friend request and answer, marks, blacklist, gag, presence", async () => {
  const request = next(B, "notice", e => e.name === "FRIEND-ADD" && e.body.orig === a);
  await A.addFriend(b, "bee");
  assert.equal((await request).log, "inbox");
  await B.addFriend(a);
  const list = await A.contacts();
  const entry = list.contacts.find(x => x.uid === b);
  assert.equal(entry.friend, true);
  assert.equal(entry.mark, "bee");
  await A.setMark(b, "bob");
  await A.removeMark(b);
  await refused(A.removeMark(b), 20015);
  const presence = await A.presence([b]);
  assert.equal(presence.users[0].online, true);
  await refused(A.presence([c]), 10005);

  await B.blacklist(c);
  await refused(C.sendChat(b, "blocked"), 20014);
  await refused(B.blacklist(c), 20016);
  await B.unblacklist(c);
  await refused(B.unblacklist(c), 20015);
  await B.gag(c);
  await B.ungag(c);
  await refused(B.ungag(c), 20015);
  await refused(A.sendChat(a, "to myself"), 20007);
});

test("private chat: send, delivered and read receipts, conversations, prefs, typing, recall", async () => {
  const arrived = next(B, "chat", e => e.body.orig === a && e.body.text === "hello b");
  const sent = await A.sendChat(b, "hello b");
  assert.ok(sent.seq > 0 && sent.serial > 0);
  const chat = await arrived;
  assert.equal(chat.mine, false);

  const delivered = next(A, "receipt", r => r.peer === b && r.status === "delivered");
  await B.delivered(a, chat.seq);
  assert.equal((await delivered).seq, sent.seq);
  const read = next(A, "receipt", r => r.peer === b && r.status === "read");
  const readAck = await B.read(1, a, chat.seq);
  assert.equal(readAck.unread, 0);
  assert.equal((await read).seq, sent.seq);
  await refused(B.read(1, a, 0), 20007);

  const conversations = await A.conversations();
  const withB = conversations.conversations.find(x => x.kind === 1 && x.id === b);
  assert.equal(withB.lastSeq, sent.seq);
  assert.equal(withB.peerReadSeq, sent.seq);
  assert.equal((await A.prefs({ receipts: true })).receipts, true);
  assert.equal((await A.prefs()).receipts, true);

  const typing = next(B, "typing", t => t.uid === a);
  await A.typing(b);
  await typing;
  await refused(A.typing(b), 10023);

  const recalled = next(B, "notice", e => e.name === "RECALL-NTC" && e.body.origSeq === sent.seq);
  await A.recall(b, sent.seq);
  assert.equal((await recalled).body.destSeq, chat.seq);
  await refused(A.recall(b, sent.seq), 20016);
});

test("groups: every group call, the notices, and the refusals", async () => {
  const created = await A.createGroup({ name: "sdk group", desc: "made by the SDK tests" });
  const gid = created.gid;
  assert.ok(gid > 0);
  await A.inviteToGroup(gid, b);
  await C.joinGroup(gid);
  await refused(C.joinGroup(gid), 20016);

  const toB = next(B, "groupChat", e => e.gid === gid && e.body.text === "hi group");
  const toC = next(C, "groupChat", e => e.gid === gid && e.body.text === "hi group");
  const sent = await A.groupChat(gid, "hi group");
  assert.equal((await toB).seq, sent.seq);
  assert.equal((await toC).seq, sent.seq);

  const { members, total } = await A.groupMembers(gid);
  assert.equal(total, 3);
  assert.deepEqual(members.map(m => m.uid), [a, b, c].sort((x, y) => x - y));
  const info = await B.groupInfo(gid);
  assert.equal(info.name, "sdk group");
  assert.equal(info.owner, a);
  const renamed = next(C, "notice", e => e.name === "GROUP-INFO-NTC" && e.gid === gid);
  await A.setGroupInfo(gid, { name: "renamed" });
  assert.equal((await renamed).body.name, "renamed");

  await A.addGroupManager(gid, b);
  await A.removeGroupManager(gid, b);
  await A.gagInGroup(gid, c);
  await refused(C.groupChat(gid, "muted"), 20018);
  await A.ungagInGroup(gid, c);
  const recall = next(B, "notice", e => e.name === "GROUP-RECALL-NTC" && e.body.seq === sent.seq);
  await A.recallGroupMessage(gid, sent.seq);
  await recall;
  const typing = next(A, "typing", t => t.gid === gid && t.uid === b);
  await B.groupTyping(gid);
  await typing;

  // The kicked member learns of it through its inbox (an inbox seq), and its inbox goes on without a gap.
  const kicked = next(C, "notice", e => e.name === "GROUP-KICK-NTC" && e.body.gid === gid);
  await A.kickFromGroup(gid, c);
  assert.equal((await kicked).log, "inbox");
  const after = next(C, "chat", e => e.body.text === "after the kick");
  await A.sendChat(c, "after the kick");
  await after;
  await refused(C.groupChat(gid, "gone"), 20017);
  await A.banFromGroup(gid, c);
  await refused(C.joinGroup(gid), 20020);
  await A.unbanFromGroup(gid, c);
  await refused(B.dismissGroup(gid), 10005);
  await B.quitGroup(gid);
  await refused(A.quitGroup(gid), 10005);
  await A.dismissGroup(gid);
  await refused(A.groupInfo(gid), 20015);
  await refused(A.joinGroup(0), 20007);
});

test("rooms: create, join, chat, count, info, broadcast, kick, quit, dismiss", async () => {
  const { rid } = await A.createRoom({ name: "sdk room" });
  assert.ok(rid > 0);
  const joined = await A.joinRoom(rid);
  assert.ok(joined.gid > 0);
  await B.joinRoom(rid);
  await refused(B.joinRoom(rid), 20016);

  const chat = next(B, "roomChat", m => m.rid === rid && m.text === "hi room");
  await A.roomChat(rid, "hi room");
  assert.equal((await chat).uid, a);
  assert.equal((await A.roomCount(rid)).num, 2);
  const info = await B.roomInfo(rid);
  assert.equal(info.name, "sdk room");
  assert.equal(info.num, 2);
  const broadcast = next(B, "room", m => m.name === "ROOM-BC" && m.rid === rid);
  await A.broadcastToRoom(rid, "news", { expire: 5 });
  assert.equal(new TextDecoder().decode((await broadcast).data), "news");
  await refused(B.broadcastToRoom(rid, "not mine"), 10005);

  const kicked = next(B, "room", m => m.name === "ROOM-KICK" && m.rid === rid);
  await A.kickFromRoom(rid, b);
  await kicked;
  await refused(B.roomChat(rid, "after the kick"), 20017);
  await A.quitRoom(rid);
  await refused(A.quitRoom(rid), 20017);
  await A.dismissRoom(rid);
  await refused(A.roomInfo(rid), 20015);
});

test("a refused login rejects connect() with ImError 20001 and does not retry", async () => {
  const uid = newUid();
  const wrong = await devToken(newUid());
  const client = newClient(uid, { token: wrong });
  const error = await client.connect().then(() => undefined, e => e);
  assert.ok(error instanceof ImError, String(error));
  assert.equal(error.code, 20001);
  assert.equal(client.state, "refused");
  await client.close();
});

test("requests while not connected fail with code offline; close fails the rest with stopped", async () => {
  const client = newClient(newUid());
  await refused(client.contacts(), "offline");
  await client.connect();
  await until(() => client.state === "online", "online");
  await client.close();
  await refused(client.contacts(), "offline");
  assert.match(wsUrl(), /^ws:/);
});
