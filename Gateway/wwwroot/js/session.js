// One logged-in session over WebSocket: ONLINE, heartbeat PINGs, requests matched to their replies by command
// and serial, pushes handed to listeners, and reconnection with backoff after a drop. It knows the protocol,
// not the screens: app.js listens to its events.
import { CMD, COMMANDS, CodecError, codeText, decodeFrames, encodeFrame } from "./codec.js";

const REQUEST_TIMEOUT_MS = 15000;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000, 30000];

/** A request the server refused (ACK with a non-zero code or EXCEPT), or that never got an answer. */
export class Refusal extends Error {
  constructor(command, code, detail) {
    super(`${command}: ${detail ?? codeText(code)}${typeof code === "number" ? ` (${code})` : ""}`);
    this.command = command;
    this.code = code;
  }
}

/** KICK codes after which the page must not log in again by itself. */
const FINAL_KICKS = new Set([20009, 10005]);

export class ImSession extends EventTarget {
  /**
   * @param {{url: string, uid: number, token: string, sid?: number, app?: string, version?: string}} options
   */
  constructor(options) {
    super();
    this.url = options.url;
    this.uid = options.uid;
    this.token = options.token;
    this.sid = options.sid ?? 0;
    this.app = options.app ?? "web";
    this.version = options.version ?? "1";
    this.state = "idle";
    this.pending = new Map();
    this.nextSerial = 1;
    this.attempt = 0;
    this.socket = null;
    this.stopped = false;
    this.heartbeatTimer = 0;
    this.reconnectTimer = 0;
    this.lastReceived = 0;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  /** Logs out: OFFLINE, close, and no reconnection. */
  async stop() {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    if (this.state === "online") {
      try {
        await this.request("OFFLINE", undefined, { timeoutMs: 2000 });
      } catch {
        // Closing anyway.
      }
    }

    this.closeSocket();
    this.setState("closed", "logged out");
  }

  /** Drops the connection as a network failure would; the session reconnects by itself. */
  drop() {
    this.socket?.close();
  }

  setState(state, detail) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, detail } }));
  }

  connect() {
    clearTimeout(this.reconnectTimer);
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting", this.attempt === 0 ? undefined : `attempt ${this.attempt}`);
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      this.scheduleReconnect(String(error));
      return;
    }

    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.onopen = () => this.login();
    socket.onmessage = event => this.receive(event.data);
    socket.onclose = event => this.closed(socket, event);
  }

  async login() {
    this.lastReceived = Date.now();
    let ack;
    try {
      ack = await this.request("ONLINE", {
        uid: this.uid, sid: this.sid, token: this.token, app: this.app, version: this.version, terminal: 1,
      });
    } catch (error) {
      if (error instanceof Refusal && error.code === 20001) {
        this.stopped = true;
        this.setState("refused", "login failed: the token is invalid, expired or for another user (20001)");
        this.closeSocket();
      }

      return;
    }

    this.sid = ack.sid;
    this.attempt = 0;
    this.heartbeatSeconds = ack.heartbeat || 30;
    this.startHeartbeat();
    this.setState("online");
    this.dispatchEvent(new CustomEvent("online", { detail: ack }));
  }

  startHeartbeat() {
    clearInterval(this.heartbeatTimer);
    const period = Math.max(1000, this.heartbeatSeconds * 1000 / 2);
    this.heartbeatTimer = setInterval(() => {
      // The server answers every PING; silence for two heartbeats means the connection is gone.
      if (Date.now() - this.lastReceived > this.heartbeatSeconds * 2000) {
        this.socket?.close();
        return;
      }

      this.send("PING");
    }, period);
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    clearInterval(this.heartbeatTimer);
    this.socket = null;
    const error = new Refusal("connection", "closed", `connection closed${event.reason ? ": " + event.reason : ""}`);
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }

    this.pending.clear();
    this.dispatchEvent(new CustomEvent("disconnected"));
    if (this.stopped) {
      if (this.state !== "refused" && this.state !== "kicked") this.setState("closed");
      return;
    }

    this.scheduleReconnect(event.code === 1000 ? undefined : `closed (${event.code})`);
  }

  scheduleReconnect(reason) {
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    const delay = base / 2 + Math.random() * base / 2;
    this.attempt++;
    this.setState("reconnecting", `${reason ? reason + "; " : ""}retrying in ${(delay / 1000).toFixed(1)} s`);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  closeSocket() {
    clearInterval(this.heartbeatTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  receive(data) {
    this.lastReceived = Date.now();
    let frames;
    try {
      frames = decodeFrames(data);
    } catch (error) {
      this.dispatchEvent(new CustomEvent("problem", { detail: `unreadable frame from the server: ${error.message}` }));
      return;
    }

    for (const frame of frames) {
      if (frame.error) {
        this.dispatchEvent(new CustomEvent("problem", { detail: `${frame.name}: ${frame.error.message}` }));
        continue;
      }

      if (this.settle(frame)) continue;
      if (frame.cmd === CMD.KICK) {
        this.kicked(frame.body);
        continue;
      }

      if (frame.cmd === CMD.PONG) continue;
      this.dispatchEvent(new CustomEvent("push", { detail: frame }));
    }
  }

  kicked(body) {
    if (FINAL_KICKS.has(body.code)) {
      this.stopped = true;
      this.setState("kicked", `${body.code === 20009 ? "this device logged in elsewhere" : "removed by the operator"} (${body.code})`);
    } else {
      this.dispatchEvent(new CustomEvent("problem", { detail: `the server ended the session: ${body.errmsg} (${body.code})` }));
    }
  }

  /** Resolves the request a reply answers; EXCEPT names the command and serial it refuses. */
  settle(frame) {
    let key;
    if (frame.cmd === CMD.EXCEPT && frame.body.cmd !== undefined) {
      key = `x${frame.body.cmd}:${frame.body.serial ?? frame.serial}`;
    } else {
      key = `${frame.cmd}:${frame.serial}`;
      if (!this.pending.has(key)) return false;
    }

    const entry = this.pending.get(key);
    if (!entry) {
      // An EXCEPT for something we did not wait on (e.g. a frame without a reply).
      this.dispatchEvent(new CustomEvent("problem", { detail: `server refused ${COMMANDS[frame.body.cmd]?.[0] ?? "a frame"}: ${frame.body.errmsg} (${frame.body.code})` }));
      return true;
    }

    this.pending.delete(key);
    clearTimeout(entry.timer);
    const body = frame.body;
    if (frame.cmd === CMD.EXCEPT) {
      entry.reject(new Refusal(entry.name, body.code));
    } else if (body && typeof body.code === "number" && body.code !== 0) {
      entry.reject(new Refusal(entry.name, body.code));
    } else {
      entry.resolve(body ?? {});
    }

    return true;
  }

  /** Sends a frame that has no reply (PING, CHAT-ACK, P2P-ACK …). */
  send(name, body, serial = 0) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(encodeFrame(CMD[name], { sid: this.sid, serial }, body));
    return true;
  }

  /**
   * Sends a request and resolves with its reply body; rejects with a Refusal for a non-zero code, EXCEPT, a
   * timeout or a dropped connection. `serial` is the message id for CHAT and GROUP-CHAT (from ALLOC-SEQ).
   */
  request(name, body, { serial, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
    const cmd = CMD[name];
    const reply = COMMANDS[cmd][2];
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Refusal(name, "offline", "not connected"));
    }

    const id = serial ?? this.localSerial();
    let frame;
    try {
      frame = encodeFrame(cmd, { sid: this.sid, serial: id }, body);
    } catch (error) {
      return Promise.reject(error instanceof CodecError ? new Refusal(name, "invalid", error.message) : error);
    }

    return new Promise((resolve, reject) => {
      const key = `${reply}:${id}`;
      const timer = setTimeout(() => {
        this.pending.delete(key);
        this.pending.delete(`x${cmd}:${id}`);
        reject(new Refusal(name, "timeout", "no answer from the server"));
      }, timeoutMs);
      const entry = { name, resolve, reject, timer };
      this.pending.set(key, entry);
      // EXCEPT names the request's own command id.
      this.pending.set(`x${cmd}:${id}`, entry);
      const cleanup = () => {
        this.pending.delete(key);
        this.pending.delete(`x${cmd}:${id}`);
      };
      entry.resolve = value => { cleanup(); resolve(value); };
      entry.reject = error => { cleanup(); reject(error); };
      this.socket.send(frame);
    });
  }

  /** Serials of requests other than CHAT / GROUP-CHAT only need to be unique among this page's open requests. */
  localSerial() {
    const serial = this.nextSerial;
    this.nextSerial = this.nextSerial >= 0x7fffffff ? 1 : this.nextSerial + 1;
    return 0x100000000000 + serial;
  }
}
