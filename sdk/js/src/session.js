// One logged-in connection to a gateway, kept up: ONLINE with a token, heartbeat PINGs, requests matched to their
// replies by serial (EXCEPT names the command and serial it answers), reconnection with jittered exponential
// backoff (optionally choosing the gateway from /api/iplist), and the ordered requests (CHAT, GROUP-CHAT,
// ROOM-CHAT) kept across drops and sent again with the same header serial once logged in again, so the server,
// which stores (sender, serial) once, answers a repeat with the original ACK. It knows frames, not messages:
// ImClient builds the message stream on top of it.
import { CMD, COMMANDS, CodecError, decodeFrames, encodeFrame } from "./codec.js";
import { Emitter } from "./emitter.js";
import { ImError } from "./errors.js";

const ORDERED = new Set([CMD.CHAT, CMD["GROUP-CHAT"], CMD["ROOM-CHAT"]]);
/** KICK codes after which logging in again by itself would be wrong: the device is in use elsewhere, or removed. */
const FINAL_KICKS = new Set([20009, 10005]);
const OPEN = 1;
/** The WebSocket subprotocol in which the server may put several frames in one message. */
const PACKED_PROTOCOL = "orleansim.packed";
const LOCAL_SERIAL_BASE = 0x100000000000;

export const SESSION_DEFAULTS = Object.freeze({
  app: "js-sdk",
  version: "0.1.0",
  terminal: 1,
  requestTimeoutMs: 15000,
  orderedTimeoutMs: 120000,
  backoffInitialMs: 500,
  backoffMaxMs: 30000,
});

export class Session extends Emitter {
  /**
   * @param {object} options see ImClientOptions in types/index.d.ts: uid, token (string or function), url (string
   * or function) and/or iplistUrl, sid, WebSocket (constructor; default globalThis.WebSocket), fetch, timeouts.
   */
  constructor(options) {
    super();
    this.options = { ...SESSION_DEFAULTS, ...options };
    if (!this.options.uid) throw new TypeError("options.uid is required");
    if (!this.options.url && !this.options.iplistUrl) throw new TypeError("options.url or options.iplistUrl is required");
    this.WebSocket = this.options.WebSocket ?? globalThis.WebSocket;
    if (typeof this.WebSocket !== "function") {
      throw new TypeError("no WebSocket class: pass options.WebSocket (in Node 20, the ws package's WebSocket)");
    }

    this.uid = this.options.uid;
    this.sid = this.options.sid ?? 0;
    this.state = "idle";
    this.stopped = true;
    this.socket = null;
    this.pending = new Map();
    this.outbox = new Map();
    this.attempt = 0;
    this.flushed = false;
    this.nextLocal = 1;
    this.lastReceived = 0;
    this.heartbeatTimer = undefined;
    this.reconnectTimer = undefined;
  }

  get online() {
    return this.state === "online";
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.#connect();
  }

  /** OFFLINE when online, then close; nothing reconnects, and every waiting request fails with "stopped". */
  async stop() {
    if (this.stopped && !this.socket) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    if (this.online) {
      try {
        await this.request("OFFLINE", undefined, { timeoutMs: 2000, beforeLogin: true });
      } catch {
        // The connection is closed below either way; a missing OFFLINE-ACK changes nothing for the caller.
      }
    }

    this.#failAll(name => new ImError(name, "stopped", "the client was closed"));
    this.#closeSocket();
    this.#setState("closed");
  }

  /** Closes the socket as a network failure would; the session reconnects by itself. */
  drop() {
    this.socket?.close();
  }

  /** Sends a frame that has no reply (PING, CHAT-ACK as a delivery cursor, P2P-ACK, BC-ACK …); false when offline. */
  send(name, body, serial = 0) {
    if (!this.online || this.socket?.readyState !== OPEN) return false;
    this.socket.send(encodeFrame(CMD[name], { sid: this.sid, serial }, body));
    return true;
  }

  /** A serial for requests whose serial only has to be unique among this connection's open requests. */
  localSerial() {
    const serial = this.nextLocal;
    this.nextLocal = this.nextLocal >= 0x7fffffff ? 1 : this.nextLocal + 1;
    return LOCAL_SERIAL_BASE + serial;
  }

  /**
   * Sends a request and resolves with its reply body; rejects with ImError for a non-zero code or EXCEPT, a timeout,
   * or a drop. CHAT, GROUP-CHAT and ROOM-CHAT are never failed by a drop: queued while offline, they are (re)sent with
   * the same serial after the next login, until answered or `orderedTimeoutMs` passes.
   */
  request(name, body, { serial, timeoutMs, beforeLogin = false } = {}) {
    const cmd = CMD[name];
    const spec = COMMANDS[cmd];
    if (!spec || spec[2] === 0) return Promise.reject(new ImError(name, "invalid", `${name} is not a request with a reply`));
    const ordered = ORDERED.has(cmd);
    const connected = this.socket?.readyState === OPEN && (this.online || beforeLogin);
    if (!connected && !ordered) return Promise.reject(new ImError(name, "offline", "not connected"));
    if (this.stopped && !beforeLogin) return Promise.reject(new ImError(name, "stopped", "the client is not started"));

    const id = serial ?? this.localSerial();
    let frame;
    try {
      frame = encodeFrame(cmd, { sid: this.sid, serial: id }, body);
    } catch (error) {
      return Promise.reject(error instanceof CodecError ? new ImError(name, "invalid", error.message) : error);
    }

    return new Promise((resolve, reject) => {
      const keys = [`${spec[2]}:${id}`, `x${cmd}:${id}`];
      if (keys.some(key => this.pending.has(key))) {
        reject(new ImError(name, "invalid", `serial ${id} is already waiting for an answer`));
        return;
      }

      const entry = { name, serial: id, frame, ordered, keys };
      entry.settle = (error, value) => {
        clearTimeout(entry.timer);
        for (const key of keys) this.pending.delete(key);
        if (ordered) this.outbox.delete(entry);
        if (error) reject(error);
        else resolve(value);
      };
      const wait = timeoutMs ?? (ordered ? this.options.orderedTimeoutMs : this.options.requestTimeoutMs);
      entry.timer = setTimeout(() => entry.settle(new ImError(name, "timeout", "no answer from the server")), wait);
      for (const key of keys) this.pending.set(key, entry);
      if (ordered) this.outbox.set(entry, true);
      if (connected && (!ordered || this.flushed)) this.socket.send(frame);
    });
  }

  #setState(state, detail) {
    this.state = state;
    this.emit("state", { state, detail });
  }

  async #connect() {
    clearTimeout(this.reconnectTimer);
    if (this.stopped) return;
    this.#setState(this.attempt === 0 ? "connecting" : "reconnecting", this.attempt === 0 ? undefined : `attempt ${this.attempt}`);
    let url;
    let token;
    try {
      url = await this.#gatewayUrl();
      token = typeof this.options.token === "function" ? await this.options.token() : this.options.token;
    } catch (error) {
      this.#retry(`no gateway: ${error.message ?? error}`);
      return;
    }

    if (this.stopped) return;
    let socket;
    try {
      // Frames are decoded back to back, so the server may pack several into one message.
      socket = new this.WebSocket(url, PACKED_PROTOCOL);
    } catch (error) {
      this.#retry(String(error.message ?? error));
      return;
    }

    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.url = url;
    socket.onopen = () => this.#login(socket, token);
    socket.onmessage = event => this.#receive(socket, event.data);
    // A close event always follows an error; the close is where reconnection starts.
    socket.onerror = () => {};
    socket.onclose = event => this.#closed(socket, event);
  }

  /** The gateway to try: from /api/iplist (weighted toward the less loaded, the next one on each failed attempt) or the url. */
  async #gatewayUrl() {
    const { iplistUrl, url } = this.options;
    if (iplistUrl) {
      try {
        const response = await (this.options.fetch ?? globalThis.fetch)(iplistUrl);
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const list = await response.json();
        if (Array.isArray(list) && list.length > 0) {
          const scheme = iplistUrl.startsWith("https:") ? "wss" : "ws";
          return `${scheme}://${list[this.attempt % list.length]}/im`;
        }
      } catch (error) {
        if (!url) throw error;
      }
    }

    return typeof url === "function" ? await url() : url;
  }

  async #login(socket, token) {
    this.lastReceived = Date.now();
    let ack;
    try {
      const { uid, app, version, terminal } = this.options;
      ack = await this.request("ONLINE", { uid, sid: this.sid, token, app, version, terminal }, { beforeLogin: true });
    } catch (error) {
      if (socket !== this.socket) return;
      if (error.code === 20001) {
        // The token (or the sid) is refused: trying again with it cannot succeed.
        this.stopped = true;
        this.#failAll(name => new ImError(name, 20001, "login failed"));
        this.#setState("refused", "login failed: the token is invalid, expired or for another user (20001)");
        this.emit("refused", error);
        this.#closeSocket();
        return;
      }

      socket.close();
      return;
    }

    if (socket !== this.socket) return;
    this.sid = ack.sid;
    this.attempt = 0;
    this.heartbeatSeconds = ack.heartbeat || 30;
    this.#startHeartbeat();
    this.#setState("online");
    try {
      // The app's own steps after a login (joining its rooms again) come before the resent messages that need them.
      await this.options.afterLogin?.(ack);
    } catch (error) {
      this.emit("error", error);
    }

    if (socket !== this.socket) return;
    for (const entry of this.outbox.keys()) socket.send(entry.frame);
    if (this.outbox.size > 0) this.emit("resent", { count: this.outbox.size });
    this.flushed = true;
    this.emit("online", ack);
  }

  #startHeartbeat() {
    clearInterval(this.heartbeatTimer);
    const period = Math.max(500, this.heartbeatSeconds * 500);
    this.heartbeatTimer = setInterval(() => {
      // The server answers every PING, so silence for two heartbeats means the connection is gone.
      if (Date.now() - this.lastReceived > this.heartbeatSeconds * 2000) {
        this.socket?.close();
        return;
      }

      this.send("PING");
    }, period);
  }

  #closed(socket, event) {
    if (socket !== this.socket) return;
    clearInterval(this.heartbeatTimer);
    this.socket = null;
    this.flushed = false;
    const wasOnline = this.online;
    const error = new ImError("connection", "closed", `connection closed${event?.reason ? ": " + event.reason : ""}`);
    for (const entry of new Set(this.pending.values())) {
      if (!entry.ordered) entry.settle(new ImError(entry.name, "closed", error.errmsg));
    }

    if (wasOnline) this.emit("disconnected", { code: event?.code, reason: event?.reason });
    if (this.stopped) {
      if (this.state !== "refused" && this.state !== "kicked") this.#setState("closed");
      return;
    }

    this.#retry(`closed${event?.code ? ` (${event.code})` : ""}`);
  }

  #retry(reason) {
    if (this.stopped) return;
    const base = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** Math.min(this.attempt, 20));
    const delay = base / 2 + Math.random() * base / 2;
    this.attempt++;
    this.#setState("reconnecting", `${reason}; retrying in ${(delay / 1000).toFixed(1)} s`);
    this.reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  #closeSocket() {
    clearInterval(this.heartbeatTimer);
    this.flushed = false;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  #failAll(errorFor) {
    for (const entry of new Set(this.pending.values())) entry.settle(errorFor(entry.name));
    this.outbox.clear();
  }

  #receive(socket, data) {
    if (socket !== this.socket) return;
    this.lastReceived = Date.now();
    let frames;
    try {
      frames = decodeFrames(data);
    } catch (error) {
      this.emit("error", new ImError("frame", "invalid", `unreadable frame from the server: ${error.message}`));
      return;
    }

    for (const frame of frames) {
      if (frame.error) {
        this.emit("error", new ImError(frame.name, "invalid", frame.error.message));
        continue;
      }

      if (this.#settle(frame)) continue;
      if (frame.cmd === CMD.PONG) continue;
      if (frame.cmd === CMD.KICK) this.#kicked(frame.body);
      this.emit("frame", frame);
    }
  }

  #kicked(body) {
    if (!FINAL_KICKS.has(body.code)) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.#failAll(name => new ImError(name, body.code, body.errmsg));
    const why = body.code === 20009 ? "this device logged in elsewhere" : "removed by the operator";
    this.#setState("kicked", `${why} (${body.code})`);
  }

  /** Settles the request a reply answers; false for frames that answer nothing (pushes). */
  #settle(frame) {
    let key;
    if (frame.cmd === CMD.EXCEPT && frame.body.cmd !== undefined) {
      key = `x${frame.body.cmd}:${frame.body.serial ?? frame.serial}`;
    } else {
      key = `${frame.cmd}:${frame.serial}`;
    }

    const entry = this.pending.get(key);
    if (!entry) {
      if (frame.cmd !== CMD.EXCEPT) return false;
      this.emit("error", new ImError(COMMANDS[frame.body.cmd]?.[0] ?? "EXCEPT", frame.body.code, frame.body.errmsg));
      return true;
    }

    const body = frame.body;
    if (frame.cmd === CMD.EXCEPT || (body && typeof body.code === "number" && body.code !== 0)) {
      entry.settle(new ImError(entry.name, body.code, body.errmsg));
    } else {
      entry.settle(null, body ?? {});
    }

    return true;
  }
}
