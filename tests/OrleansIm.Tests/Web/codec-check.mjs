// Reads cases written by WebCodecTests (one per line: kind, type, hex), runs them through the web client's codec
// and prints one JSON line per case: the re-encoded hex, the decoded fields as strings, or the error.
import { readFileSync } from "node:fs";
import { decode, encode, decodeFrames, encodeFrame } from "./codec.js";

const hex = bytes => Buffer.from(bytes).toString("hex");
const bytesOf = text => new Uint8Array(Buffer.from(text, "hex"));
const flat = value => {
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value)) return value.map(flat);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flat(v)]));
  return String(value);
};

for (const line of readFileSync(process.argv[2], "utf8").split("\n")) {
  if (!line) continue;
  const [kind, type, data] = line.split(" ");
  try {
    if (kind === "message") {
      const message = decode(type, bytesOf(data));
      console.log(JSON.stringify({ hex: hex(encode(type, message)), fields: flat(message) }));
    } else {
      const [frame] = decodeFrames(bytesOf(data));
      if (frame.error) throw frame.error;
      const again = encodeFrame(frame.cmd, frame, frame.body);
      console.log(JSON.stringify({ hex: hex(again), fields: flat({ cmd: frame.cmd, sid: frame.sid, nid: frame.nid, serial: frame.serial, flag: frame.flag }) }));
    }
  } catch (error) {
    console.log(JSON.stringify({ error: String(error.message ?? error) }));
  }
}
