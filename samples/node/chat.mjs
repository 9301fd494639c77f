#!/usr/bin/env node
// A terminal chat on orleansim-client: logs in with a development token, sends each line you type to one peer
// (or "/g GID text" to a group), and prints what arrives, each message once and in order. Stop the server and start
// it again: the client reconnects, resends what was not answered and catches up with SYNC by itself.
//
//   node chat.mjs --server http://localhost:8002 --uid 1001 --to 1002
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { ImClient, ImError } from "orleansim-client";

const { values: args } = parseArgs({
  options: {
    server: { type: "string", default: "http://localhost:8002" },
    uid: { type: "string" },
    to: { type: "string" },
    say: { type: "string" },
  },
});
if (!args.uid) {
  console.error("usage: node chat.mjs --server http://localhost:8002 --uid 1001 [--to 1002] [--say text]");
  process.exit(2);
}

const server = args.server.replace(/\/$/, "");
const uid = Number(args.uid);
const peer = args.to ? Number(args.to) : undefined;

// A Development server mints tokens for anyone; elsewhere your backend does (POST /api/tokens).
async function devToken() {
  const response = await fetch(`${server}/api/dev/token?uid=${uid}`);
  if (!response.ok) throw new Error(`no development token (HTTP ${response.status}): is the server in Development?`);
  return (await response.json()).token;
}

const client = new ImClient({
  iplistUrl: `${server}/api/iplist?type=ws`,
  url: `${server.replace(/^http/, "ws")}/im`,
  uid,
  token: devToken,
  WebSocket,
  app: "node-sample",
  backoffMaxMs: 5000,
});

const time = ms => new Date(Number(ms)).toLocaleTimeString();
client.on("state", ({ state, detail }) => console.log(`-- ${state}${detail ? ": " + detail : ""}`));
client.on("synced", ack => { if (ack.count) console.log(`-- caught up: ${ack.count} replayed${ack.trimmed ? " (older ones removed by retention)" : ""}`); });
client.on("resent", ({ count }) => console.log(`-- resent ${count} unanswered message(s)`));
client.on("chat", m => console.log(`${time(m.body.time)} #${m.seq} ${m.mine ? "me" : m.body.orig} → ${m.mine ? m.body.dest : "me"}: ${m.body.recalled ? "(recalled)" : m.body.text}`));
client.on("groupChat", m => console.log(`${time(m.body.time)} [group ${m.gid}] #${m.seq} ${m.mine ? "me" : m.body.uid}: ${m.body.text}`));
client.on("notice", n => console.log(`-- ${n.name}${n.gid ? ` in group ${n.gid}` : ""}`));
client.on("receipt", r => console.log(`-- ${r.peer} ${r.status} up to #${r.seq}`));
client.on("error", error => console.error(`!! ${error.message}`));

const { ack } = await client.connect();
console.log(`-- logged in as ${uid} (device ${ack.sid}); type a line to send${peer ? ` to ${peer}` : ""}, "/g GID text" for a group, Ctrl-D to quit`);

async function send(line) {
  try {
    const group = /^\/g\s+(\d+)\s+(.+)$/.exec(line);
    if (group) await client.groupChat(Number(group[1]), group[2]);
    else if (peer) await client.sendChat(peer, line);
    else console.log("-- no --to peer: use /g GID text");
  } catch (error) {
    // Refusals carry the protocol code (20014 blocked, 20017 not a member …).
    console.error(error instanceof ImError ? `!! refused: ${error.errmsg} (${error.code})` : `!! ${error.message}`);
  }
}

if (args.say) await send(args.say);
const input = createInterface({ input: process.stdin });
input.on("line", line => { if (line.trim()) send(line.trim()); });
input.on("close", async () => {
  await client.close();
  process.exit(0);
});
