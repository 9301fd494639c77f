// The wire codec: the 36-byte big-endian frame header and proto2 bodies, driven by the generated tables in
// protocol.g.js. 64-bit fields decode to a Number when it is exact (every id and seq this server hands out),
// otherwise to a BigInt; both are accepted when encoding. It has no dependencies and runs in browsers and Node.
import { HEADER_LENGTH, CHECKSUM, MESSAGES, COMMANDS, CODES } from "./protocol.g.js";

export { HEADER_LENGTH, COMMANDS, CODES };

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const SCALAR_WIRE = { uint64: 0, int64: 0, uint32: 0, int32: 0, bool: 0, string: 2, bytes: 2 };

export class CodecError extends Error {}

/** The command id of a name ("CHAT" -> 0x0201). */
export const CMD = Object.fromEntries(Object.entries(COMMANDS).map(([id, [name]]) => [name, Number(id)]));

export function commandName(id) {
  return COMMANDS[id]?.[0] ?? "0x" + id.toString(16).padStart(4, "0");
}

export function codeText(code) {
  return CODES[code] ?? "error";
}

class Writer {
  constructor() {
    this.bytes = new Uint8Array(64);
    this.length = 0;
  }

  ensure(extra) {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  varint(value) {
    let v = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (v >= 0x80n) {
      this.bytes[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.bytes[this.length++] = Number(v);
  }

  raw(bytes) {
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  result() {
    return this.bytes.slice(0, this.length);
  }
}

function fieldsOf(type) {
  const fields = MESSAGES[type];
  if (!fields) throw new CodecError(`unknown message type ${type}`);
  return fields;
}

function checkInteger(value, type, name) {
  if (typeof value === "bigint") return;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new CodecError(`${name}: ${type} needs an integer, got ${value}`);
  }
}

function writeValue(writer, type, value, name) {
  switch (type) {
    case "uint64":
    case "int64":
    case "uint32":
    case "int32":
      checkInteger(value, type, name);
      if (type === "uint32") writer.varint(BigInt.asUintN(32, BigInt(value)));
      else if (type === "int32") writer.varint(BigInt.asIntN(32, BigInt(value)));
      else writer.varint(value);
      return;
    case "bool":
      writer.varint(value ? 1 : 0);
      return;
    case "string":
      if (typeof value !== "string") throw new CodecError(`${name}: string expected`);
      writer.raw(utf8Encoder.encode(value));
      return;
    case "bytes":
      if (!(value instanceof Uint8Array)) throw new CodecError(`${name}: Uint8Array expected`);
      writer.raw(value);
      return;
    default:
      writer.raw(encode(type, value));
  }
}

/** Encodes a message; a missing required field throws, as proto2 says a body without one is invalid. */
export function encode(type, message) {
  const writer = new Writer();
  for (const [number, name, fieldType, rule] of fieldsOf(type)) {
    const value = message?.[name];
    const wire = SCALAR_WIRE[fieldType] ?? 2;
    if (rule === "repeated") {
      for (const item of value ?? []) {
        writer.varint((number << 3) | wire);
        writeValue(writer, fieldType, item, name);
      }
      continue;
    }

    if (value === undefined || value === null) {
      if (rule === "required") throw new CodecError(`${type}.${name} is required`);
      continue;
    }

    writer.varint((number << 3) | wire);
    writeValue(writer, fieldType, value, name);
  }

  return writer.result();
}

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.position = 0;
  }

  done() {
    return this.position >= this.bytes.length;
  }

  varint() {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.position >= this.bytes.length) throw new CodecError("truncated varint");
      const b = this.bytes[this.position++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }

    throw new CodecError("varint longer than 10 bytes");
  }

  take(length) {
    if (length > this.bytes.length - this.position) throw new CodecError("truncated field");
    const slice = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }

  skip(wire) {
    switch (wire) {
      case 0: this.varint(); return;
      case 1: this.take(8); return;
      case 2: this.take(Number(this.varint())); return;
      case 5: this.take(4); return;
      default: throw new CodecError(`wire type ${wire} cannot be skipped`);
    }
  }
}

function exact(big) {
  return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
}

function readValue(reader, type) {
  switch (type) {
    case "uint64": return exact(reader.varint());
    case "int64": return exact(BigInt.asIntN(64, reader.varint()));
    case "uint32": return Number(BigInt.asUintN(32, reader.varint()));
    case "int32": return Number(BigInt.asIntN(32, reader.varint()));
    case "bool": return reader.varint() !== 0n;
    case "string": return utf8Decoder.decode(reader.take(Number(reader.varint())));
    case "bytes": return reader.take(Number(reader.varint())).slice();
    default: return decode(type, reader.take(Number(reader.varint())));
  }
}

/** Decodes a message; unknown fields are skipped, a missing required field or a wrong wire type throws. */
export function decode(type, bytes) {
  const fields = fieldsOf(type);
  const message = {};
  const reader = new Reader(bytes);
  while (!reader.done()) {
    const key = reader.varint();
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    const field = fields.find(f => f[0] === number);
    if (!field) {
      reader.skip(wire);
      continue;
    }

    const [, name, fieldType, rule] = field;
    const expected = SCALAR_WIRE[fieldType] ?? 2;
    if (wire !== expected) throw new CodecError(`${type}.${name}: wire type ${wire}, expected ${expected}`);
    const value = readValue(reader, fieldType);
    if (rule === "repeated") (message[name] ??= []).push(value);
    else message[name] = value;
  }

  for (const [, name, , rule] of fields) {
    if (rule === "repeated") message[name] ??= [];
    else if (rule === "required" && message[name] === undefined) throw new CodecError(`${type}.${name} is missing`);
  }

  return message;
}

/** One frame: header fields, then the encoded body of the command's message (or raw bytes). */
export function encodeFrame(cmd, { sid = 0, nid = 0, serial = 0, flag = 1 } = {}, body = undefined) {
  const spec = COMMANDS[cmd];
  if (!spec) throw new CodecError(`unknown command ${cmd}`);
  const bodyType = spec[1];
  const payload = bodyType === null ? new Uint8Array(0)
    : bodyType === "bytes" ? (body ?? new Uint8Array(0))
      : encode(bodyType, body);
  const frame = new Uint8Array(HEADER_LENGTH + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, cmd);
  view.setUint32(4, flag);
  view.setUint32(8, payload.length);
  view.setUint32(12, CHECKSUM);
  view.setBigUint64(16, BigInt(sid));
  view.setUint32(24, nid);
  view.setBigUint64(28, BigInt(serial));
  frame.set(payload, HEADER_LENGTH);
  return frame;
}

/**
 * Splits one WebSocket message into frames {cmd, name, flag, sid, nid, serial, body, raw}. A bad checksum or a
 * length that does not add up throws; a body that does not decode is returned with `error` set instead of `body`.
 */
export function decodeFrames(buffer) {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < HEADER_LENGTH) throw new CodecError("truncated header");
    const cmd = view.getUint32(offset);
    const length = view.getUint32(offset + 8);
    if (view.getUint32(offset + 12) !== CHECKSUM) throw new CodecError("bad checksum");
    if (length > bytes.length - offset - HEADER_LENGTH) throw new CodecError("truncated body");
    const raw = bytes.subarray(offset + HEADER_LENGTH, offset + HEADER_LENGTH + length);
    const frame = {
      cmd,
      name: commandName(cmd),
      flag: view.getUint32(offset + 4),
      sid: exact(view.getBigUint64(offset + 16)),
      nid: view.getUint32(offset + 24),
      serial: exact(view.getBigUint64(offset + 28)),
      raw,
    };
    const bodyType = COMMANDS[cmd]?.[1];
    try {
      frame.body = bodyType === undefined || bodyType === null ? undefined
        : bodyType === "bytes" ? raw.slice() : decode(bodyType, raw);
    } catch (error) {
      frame.error = error;
    }

    frames.push(frame);
    offset += HEADER_LENGTH + length;
  }

  return frames;
}
