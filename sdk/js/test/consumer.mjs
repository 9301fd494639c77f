// Copied by JsSdkTests into a fresh project that installed the packed tarball: the package resolves by its name,
// logs in with development tokens, and one message goes from one user to another.
import WebSocket from "ws";
import { ImClient, ImError } from "orleansim-client";
import { decodeFrames } from "orleansim-client/codec";

const base = process.env.IM_HTTP_URL.replace(/\/$/, "");
const token = uid => async () => (await (await fetch(`${base}/api/dev/token?uid=${uid}`)).json()).token;
const url = base.replace(/^http/, "ws") + "/im";
const [alice, bob] = [3_000_000_000 + Math.floor(Math.random() * 1e6) * 2, 0].map((u, i, all) => u || all[0] + 1);

const a = new ImClient({ url, uid: alice, token: token(alice), WebSocket });
const b = new ImClient({ url, uid: bob, token: token(bob), WebSocket });
await Promise.all([a.connect(), b.connect()]);
const received = new Promise(resolve => b.on("chat", e => resolve(e.body.text)));
await a.sendChat(bob, "hello from a packed SDK");
console.log(`received: ${await received}`);
console.log(`ImError is exported: ${typeof ImError === "function"}, codec: ${typeof decodeFrames === "function"}`);
await Promise.all([a.close(), b.close()]);
