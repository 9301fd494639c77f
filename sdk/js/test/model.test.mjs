// ChatModel, the account state the web page draws, used from Node with no DOM: conversations with unread counts and
// message states, contacts, groups and rooms follow the server.
import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";
import { ChatModel } from "../src/index.js";
import { devToken, newUid, until, wsUrl } from "./helpers.mjs";

function model(uid) {
  const m = new ChatModel({ url: wsUrl(), uid, token: () => devToken(uid), WebSocket, backoffInitialMs: 100, backoffMaxMs: 1000 });
  const problems = [];
  m.on("problem", error => problems.push(error));
  m.problems = problems;
  return m;
}

test("two models: friends, a conversation with unread count and receipts, a group, a room", async t => {
  const a = newUid(), b = newUid();
  const A = model(a), B = model(b);
  t.after(() => Promise.all([A.stop(), B.stop()]));
  // Started: logged in, subscribed to the notices and caught up.
  await Promise.all([A.start(), B.start()]);

  await A.addFriend(b, "bee");
  await until(() => B.contacts.requestsIn.has(a), "the request at b");
  await B.addFriend(a);
  await until(() => A.contacts.friends.has(b) && A.contacts.marks[b] === "bee", "friends with a remark");

  await A.sendChat(b, "hello model");
  await until(() => B.conversation(a).unread === 1, "one unread at b");
  const received = [...B.conversation(a).messages.values()];
  assert.deepEqual(received.map(m => m.text), ["hello model"]);
  await until(() => [...A.conversation(b).messages.values()][0].status === "delivered", "delivered at a");
  B.openConversation(a);
  await until(() => B.conversation(a).unread === 0, "read at b");
  await until(() => [...A.conversation(b).messages.values()][0].status === "read", "a read receipt at a");

  const gid = await A.createGroup("model group");
  await A.invite(gid, b);
  await A.sendGroupChat(gid, "to the group");
  await until(() => [...B.group(gid).entries.values()].some(e => e.kind === "chat" && e.text === "to the group"), "the group message at b");
  assert.equal(B.group(gid).unread, 1);

  const rid = await A.createRoom("model room");
  await B.joinRoom(rid);
  await A.sendRoomChat(rid, "to the room");
  await until(() => B.room(rid).entries.some(e => e.kind === "chat" && e.text === "to the room"), "the room message at b");

  assert.deepEqual(A.problems, []);
  assert.deepEqual(B.problems, []);
});
