// A cut connection (the test host resets it at a TCP proxy in front of the gateway) with CHAT and GROUP-CHAT
// requests pending and more sent while it is down: after the reconnect each is resent with its serial and answered,
// and the receiver sees every message exactly once, in order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PROXY_URL, control, newClient, newUid, until } from "./helpers.mjs";

test("requests pending across a cut connection are resent and answered; the receiver sees each once, in order", { skip: !PROXY_URL && "IM_PROXY_URL is not set" }, async t => {
  const sender = newUid(), receiver = newUid();
  const S = newClient(sender, { base: PROXY_URL });
  const R = newClient(receiver);
  t.after(() => Promise.all([S.close(), R.close()]));
  await Promise.all([S.connect(), R.connect()]);
  const { gid } = await S.createGroup({ name: "cut" });
  await S.inviteToGroup(gid, receiver);

  const chats = [];
  const groupChats = [];
  const own = [];
  R.on("chat", e => { if (e.body.orig === sender) chats.push(e); });
  R.on("groupChat", e => { if (e.gid === gid) groupChats.push(e); });
  S.on("chat", e => { if (e.mine) own.push(e); });
  let drops = 0;
  S.on("disconnected", () => drops++);
  let resent = 0;
  S.on("resent", ({ count }) => { resent += count; });
  await S.sendChat(receiver, "m0");

  const sends = [];
  for (let i = 1; i <= 20; i++) sends.push(S.sendChat(receiver, `m${i}`), S.groupChat(gid, `g${i}`));
  // While these are in flight the connection is cut; more are sent while it is down.
  console.log("# cutting the connection");
  await control("down");
  console.log("# cut");
  await until(() => S.state !== "online", "the sender to notice the cut");
  for (let i = 21; i <= 30; i++) sends.push(S.sendChat(receiver, `m${i}`), S.groupChat(gid, `g${i}`));
  await control("up");
  console.log("# restored");
  const acks = await Promise.all(sends);
  console.log("# every send answered");
  assert.ok(drops >= 1, "the connection was cut");
  assert.ok(resent >= 20, `the unanswered messages were sent again after the reconnect (${resent})`);
  assert.equal(new Set(acks.map(x => x.serial)).size, acks.length, "every message has its own serial");

  await until(() => chats.length >= 31 && groupChats.length >= 30, `all messages (${chats.length} chats, ${groupChats.length} group chats)`);
  await new Promise(resolve => setTimeout(resolve, 300));
  assert.deepEqual(chats.map(e => e.body.text), Array.from({ length: 31 }, (_, i) => `m${i}`));
  assert.deepEqual(groupChats.map(e => e.body.text), Array.from({ length: 30 }, (_, i) => `g${i + 1}`));
  for (const list of [chats, groupChats, own]) {
    for (let i = 1; i < list.length; i++) assert.ok(list[i].seq > list[i - 1].seq, "seqs only grow");
  }

  // The sender's own stream holds each of its messages once too.
  await until(() => own.length >= 31, `the sender's own copies (${own.length})`);
  assert.deepEqual(own.map(e => e.body.text), Array.from({ length: 31 }, (_, i) => `m${i}`));
});
