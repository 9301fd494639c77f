// A small typed program against the SDK's declarations; `tsc --noEmit -p test/tsconfig.json` must accept it.
import { ChatModel, ImClient, ImError, LogSequencer, type ChatBody, type LogEntry } from "orleansim-client";
import { CMD, decodeFrames, encodeFrame } from "orleansim-client/codec";

declare const WebSocketClass: new (url: string) => unknown;

async function main(): Promise<number> {
  const client = new ImClient({
    url: "ws://127.0.0.1:8002/im",
    uid: 1001,
    token: async () => "token",
    WebSocket: WebSocketClass,
    backoffMaxMs: 5000,
  });
  client.on("chat", (entry: LogEntry<ChatBody>) => console.log(entry.seq, entry.body.text.toUpperCase()));
  client.on("receipt", r => console.log(r.status === "read" ? r.seq : 0));
  client.on("state", s => console.log(s.state));
  const { ack, sync } = await client.connect();
  const sent = await client.sendChat(1002, "hi");
  const seq: number = sent.seq + (ack.seq ?? 0) + (sync.trimmed ? 1 : 0);
  const { members } = await client.groupMembers(7);
  const owner = members.find(m => m.role === "owner")?.uid;
  try {
    await client.joinGroup(42);
  } catch (error) {
    if (error instanceof ImError && error.refused && error.code === 20015) console.log(error.errmsg);
  }

  const frames = decodeFrames(encodeFrame(CMD.PING, { serial: 1 }));
  const log = new LogSequencer<string>(0);
  const ready: string[] = log.offer(1, "first");
  const model = new ChatModel({ url: "ws://x/im", uid: 1, token: "t", WebSocket: WebSocketClass });
  model.on("change", () => console.log(model.conversation(2).unread));
  await client.close();
  return seq + frames.length + ready.length + (owner ?? 0);
}

void main();
