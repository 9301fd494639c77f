// A server restart in the middle of a stream of messages (PostgreSQL mode, so the data survives; the test host
// stops the server and starts a new one on the same database and ports): through the SDK's own reconnection,
// resend with the same serials and SYNC, the receiver sees every private and group message exactly once, in order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTROL_URL, control, newClient, newUid, until } from "./helpers.mjs";

const COUNT = 60;

test("a server restart mid-stream loses, repeats and reorders nothing", { skip: !process.env.IM_RESTART && "IM_RESTART is not set" }, async t => {
  assert.ok(CONTROL_URL);
  const sender = newUid(), receiver = newUid();
  const S = newClient(sender, { orderedTimeoutMs: 60000 });
  const R = newClient(receiver);
  t.after(() => Promise.all([S.close(), R.close()]));
  await Promise.all([S.connect(), R.connect()]);
  const { gid } = await S.createGroup({ name: "restart" });
  await S.inviteToGroup(gid, receiver);

  const chats = [];
  const groupChats = [];
  R.on("chat", e => { if (e.body.orig === sender) chats.push(e); });
  R.on("groupChat", e => { if (e.gid === gid) groupChats.push(e); });
  let syncs = 0;
  let logins = 0;
  R.on("synced", () => syncs++);
  R.on("online", () => logins++);

  const sends = [];
  let restarting;
  for (let i = 0; i < COUNT; i++) {
    sends.push(S.sendChat(receiver, `m${i}`), S.groupChat(gid, `g${i}`));
    if (i === COUNT / 3) restarting = control("restart");
    await new Promise(resolve => setTimeout(resolve, 15));
  }

  await restarting;
  const acks = await Promise.all(sends);
  assert.equal(new Set(acks.map(x => x.serial)).size, acks.length);
  await until(() => chats.length >= COUNT && groupChats.length >= COUNT,
    `every message after the restart (${chats.length} chats, ${groupChats.length} group chats)`, 30000);
  await new Promise(resolve => setTimeout(resolve, 500));
  assert.deepEqual(chats.map(e => e.body.text), Array.from({ length: COUNT }, (_, i) => `m${i}`));
  assert.deepEqual(groupChats.map(e => e.body.text), Array.from({ length: COUNT }, (_, i) => `g${i}`));
  for (const list of [chats, groupChats]) {
    for (let i = 1; i < list.length; i++) assert.ok(list[i].seq > list[i - 1].seq, "seqs only grow");
  }

  assert.ok(logins >= 1 && syncs >= 1, `the receiver logged in to the new server (${logins}) and synced (${syncs})`);
});
