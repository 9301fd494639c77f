// Shared by the SDK's tests: they run against a real gateway whose address the environment gives (the xUnit class
// tests/OrleansIm.Tests/JsSdk/JsSdkTests.cs starts one in process and runs node with these variables).
import WebSocket from "ws";
import { ImClient } from "../src/index.js";

export const HTTP_URL = required("IM_HTTP_URL");
export const PROXY_URL = process.env.IM_PROXY_URL?.replace(/\/$/, "");
export const CONTROL_URL = process.env.IM_CONTROL_URL?.replace(/\/?$/, "/");

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: these tests need a running Development gateway`);
  return value.replace(/\/$/, "");
}

let nextUid = 1_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;

/** A user id no other test of this run uses. */
export function newUid() {
  return nextUid++;
}

/** A token from the Development server's /api/dev/token. */
export async function devToken(uid, base = HTTP_URL) {
  const response = await fetch(`${base}/api/dev/token?uid=${uid}`);
  if (!response.ok) throw new Error(`dev token: HTTP ${response.status}`);
  return (await response.json()).token;
}

export function wsUrl(base = HTTP_URL) {
  return base.replace(/^http/, "ws") + "/im";
}

/** A client with fast reconnection, logging in through `base` (the gateway or a proxy in front of it). */
export function newClient(uid, { base = HTTP_URL, ...options } = {}) {
  return new ImClient({
    url: wsUrl(base), uid, token: () => devToken(uid), WebSocket,
    backoffInitialMs: 100, backoffMaxMs: 1000, requestTimeoutMs: 10000, ...options,
  });
}

/** Asks the test host to act on the server: "down" / "up" (cut or restore the proxy), "restart". */
export async function control(action) {
  if (!CONTROL_URL) throw new Error("IM_CONTROL_URL is not set");
  const response = await fetch(`${CONTROL_URL}${action}`, { method: "POST" });
  if (!response.ok) throw new Error(`control ${action}: HTTP ${response.status} ${await response.text()}`);
}

/** Resolves with the first value of `event` that matches, or rejects after `ms`. */
export function next(emitter, event, match = () => true, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no "${event}" event within ${ms} ms`)); }, ms);
    const off = emitter.on(event, value => {
      if (!match(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

/** Waits until `condition()` is true, polling; rejects with `what` after `ms`. */
export async function until(condition, what, ms = 20000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 25));
  }
}

/** Rejects unless `promise` rejects with an ImError carrying `code`. */
export async function refused(promise, code) {
  try {
    await promise;
  } catch (error) {
    if (error?.name === "ImError" && error.code === code) return error;
    throw new Error(`expected ImError ${code}, got ${error?.stack ?? error}`);
  }

  throw new Error(`expected ImError ${code}, but the call succeeded`);
}
