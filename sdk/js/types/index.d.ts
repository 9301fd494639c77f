// Type declarations of orleansim-client. Ids and seqs are numbers (the server's fit in 2^53).
import type { Frame, Id } from "./codec.js";

export * from "./codec.js";

/** Local codes of ImError when the server did not refuse anything. */
export type LocalCode = "closed" | "offline" | "timeout" | "invalid" | "stopped";

/** A refusal by the server (code: the protocol code, errmsg: the server's text) or a local failure (a LocalCode). */
export declare class ImError extends Error {
  readonly name: "ImError";
  /** The request's command name, e.g. "CHAT". */
  readonly command: string;
  readonly code: number | LocalCode | string;
  readonly errmsg: string;
  /** True when the server refused (a numeric code). */
  readonly refused: boolean;
  constructor(command: string, code: number | string, errmsg?: string);
}

export declare class Emitter<Events extends Record<string, any> = Record<string, any>> {
  on<K extends keyof Events & string>(name: K, listener: (value: Events[K]) => void): () => void;
  off<K extends keyof Events & string>(name: K, listener: (value: Events[K]) => void): void;
  once<K extends keyof Events & string>(name: K, listener: (value: Events[K]) => void): () => void;
  emit<K extends keyof Events & string>(name: K, value?: Events[K]): boolean;
}

/** The constructor of a WebSocket: the browser's, or in Node 20 the `ws` package's class. */
export type WebSocketClass = new (url: string) => any;

export interface ImClientOptions {
  uid: number;
  /** The token ONLINE sends, or a function asked before every login (a fresh token per attempt). */
  token: string | (() => string | Promise<string>);
  /** The gateway's WebSocket URL (ws://host:8002/im), or a function giving one per attempt. */
  url?: string | (() => string | Promise<string>);
  /** /api/iplist?type=ws of a gateway: the least loaded gateway is tried first, the next one on each failure. */
  iplistUrl?: string;
  /** The device id to resume (0 or absent: the server allocates one). */
  sid?: number;
  /** Defaults to globalThis.WebSocket; required in Node 20. */
  WebSocket?: WebSocketClass;
  /** Used for iplistUrl; defaults to globalThis.fetch. */
  fetch?: typeof fetch;
  app?: string;
  version?: string;
  /** 0 unknown, 1 PC, 2 TV, 3 phone. */
  terminal?: number;
  /** How long a request other than CHAT, GROUP-CHAT, ROOM-CHAT waits for its reply (15 s). */
  requestTimeoutMs?: number;
  /** How long CHAT, GROUP-CHAT and ROOM-CHAT are kept and resent before failing with "timeout" (120 s). */
  orderedTimeoutMs?: number;
  /** Reconnection backoff: the first delay and the cap (500 ms, 30 s), each jittered to between half and all of it. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** The highest inbox seq the app already holds (0: SYNC replays the whole inbox). */
  inboxSeq?: number;
  /** Group cursors the app already holds: gid -> highest group seq. */
  groups?: Record<number, number>;
  /** Push classes subscribed at every login (default: all of PUSH_CLASSES). */
  subscribe?: Array<keyof typeof PUSH_CLASSES | number>;
  /** Message ids asked from the server at a time (ALLOC-SEQ, 100). */
  serialBlock?: number;
  /** How long a gap may stay open before a SYNC is asked (300 ms). */
  gapDelayMs?: number;
  /** Move the server's delivery cursor (CHAT-ACK) as the inbox is handled (true). */
  ackDelivery?: boolean;
  /** Run after each login and before its SYNC (load state, trackGroup). */
  beforeSync?: (client: ImClient) => Promise<void> | void;
}

/** One stored entry of the inbox or of a group log, handed out once and in seq order. */
export interface LogEntry<Body = any> {
  log: "inbox" | "group";
  /** Set for group log entries. */
  gid?: number;
  seq: number;
  /** The command name: CHAT, GROUP-CHAT, FRIEND-ADD, RECALL-NTC, GROUP-JOIN-NTC … */
  name: string;
  body: Body;
  /** Sent by this user. */
  mine: boolean;
  /** Placed from this client's own send (its ACK); the message id is `serial`. */
  own?: boolean;
  serial?: number;
  /** Came during a SYNC (history or catching up), not live. */
  replayed: boolean;
}

export interface ChatBody { orig: number; dest: number; level: number; time: number; text: string; data?: Uint8Array; recalled?: boolean }
export interface GroupChatBody { uid: number; gid: number; level: number; time: number; text: string; data?: Uint8Array; recalled?: boolean }
export interface RoomChatBody { uid: number; rid: number; gid: number; level: number; time: number; text: string; data?: Uint8Array }
export interface Reply { code: number; errmsg: string; [field: string]: any }
export interface SyncAck extends Reply { uid: number; seq?: number; count?: number; trimmed?: boolean }
export interface OnlineAck extends Reply { uid: number; sid: number; seq?: number; heartbeat?: number }
export interface Contact { uid: number; friend?: boolean; requestIn?: boolean; requestOut?: boolean; blacklisted?: boolean; gagged?: boolean; mark?: string }
export interface Conversation { kind: 1 | 2; id: number; name?: string; role?: string; lastSeq: number; lastSender?: number; lastTime?: number; preview?: string; readSeq: number; unread: number; peerReadSeq?: number }
export interface SendResult { seq: number; serial: number }
export interface Member { uid: number; role: "owner" | "manager" | "member"; gag: boolean }
export type ConnectionState = "idle" | "connecting" | "online" | "reconnecting" | "refused" | "kicked" | "closed";

export interface ImClientEvents {
  state: { state: ConnectionState; detail?: string };
  online: OnlineAck;
  /** Logged in and caught up (the SYNC after the login answered). */
  ready: { ack: OnlineAck; sync: SyncAck };
  synced: SyncAck;
  disconnected: { code?: number; reason?: string };
  resent: { count: number };
  entry: LogEntry;
  chat: LogEntry<ChatBody>;
  groupChat: LogEntry<GroupChatBody>;
  /** Stored entries other than messages (log "inbox" or "group"), and unknown pushes (log "none"). */
  notice: LogEntry | { log: "none"; name: string; body: any };
  roomChat: RoomChatBody;
  room: { name: string; rid: number; [field: string]: any };
  presence: { uid: number; online: boolean; terminal?: number };
  contact: { version: number; contact: Contact };
  read: { kind: 1 | 2; id: number; seq: number; unread?: number };
  receipt: { kind: 1 | 2; peer: number; seq: number; status: "delivered" | "read" };
  typing: { uid: number; dest?: number; gid?: number };
  kick: { code: number; errmsg: string };
  broadcast: { data: Uint8Array };
  roomRejoined: { rid: number; bucket: number };
  frame: Frame;
  error: ImError | Error;
  closed: undefined;
}

export declare const PUSH_CLASSES: Readonly<Record<"ONLINE-NTC" | "OFFLINE-NTC" | "ROOM-USR-NUM" | "ROOM-JOIN-NTC" | "ROOM-QUIT-NTC" | "CONTACT-NTC" | "READ-NTC" | "RECEIPT-NTC" | "TYPING-NTC" | "GROUP-TYPING-NTC", number>>;

export interface SendOptions { level?: number; time?: number; data?: Uint8Array; serial?: number }

export declare class ImClient extends Emitter<ImClientEvents> {
  constructor(options: ImClientOptions);
  readonly uid: number;
  readonly state: ConnectionState;
  readonly sid: number;
  readonly inboxSeq: number;
  readonly groupCursors: Record<number, number>;

  connect(): Promise<{ ack: OnlineAck; sync: SyncAck }>;
  close(): Promise<void>;
  request(name: string, body?: object, options?: { serial?: number; timeoutMs?: number }): Promise<Reply>;
  trackGroup(gid: number, seq?: number): void;
  untrackGroup(gid: number): void;
  takeSerial(): Promise<number>;
  sync(): Promise<SyncAck>;

  subscribe(sub: number): Promise<Reply>;
  unsubscribe(sub: number): Promise<Reply>;
  allocSeq(num: number): Promise<Reply & { seq: number; num: number }>;
  ping(): boolean;

  sendChat(dest: number, text: string, options?: SendOptions): Promise<SendResult>;
  addFriend(dest: number, mark?: string): Promise<Reply>;
  removeFriend(dest: number): Promise<Reply>;
  blacklist(dest: number): Promise<Reply>;
  unblacklist(dest: number): Promise<Reply>;
  gag(dest: number): Promise<Reply>;
  ungag(dest: number): Promise<Reply>;
  setMark(dest: number, mark: string): Promise<Reply>;
  removeMark(dest: number): Promise<Reply>;
  contacts(page?: { offset?: number; num?: number }): Promise<Reply & { version?: number; total?: number; contacts: Contact[] }>;
  conversations(page?: { offset?: number; num?: number }): Promise<Reply & { total?: number; conversations: Conversation[] }>;
  read(kind: 1 | 2, id: number, seq: number): Promise<Reply & { unread?: number }>;
  delivered(peer: number, seq: number): Promise<Reply>;
  prefs(settings?: { receipts?: boolean }): Promise<Reply & { receipts?: boolean }>;
  presence(uids: number[]): Promise<Reply & { users: Array<{ uid: number; online: boolean; lastSeen?: number; terminal?: number }> }>;
  recall(dest: number, seq: number): Promise<Reply>;
  typing(dest: number): Promise<Reply>;

  createGroup(options?: { gid?: number; name?: string; desc?: string }): Promise<Reply & { gid: number }>;
  dismissGroup(gid: number): Promise<Reply>;
  joinGroup(gid: number): Promise<Reply>;
  quitGroup(gid: number): Promise<Reply>;
  inviteToGroup(gid: number, to: number): Promise<Reply>;
  groupChat(gid: number, text: string, options?: SendOptions): Promise<SendResult>;
  kickFromGroup(gid: number, uid: number): Promise<Reply>;
  gagInGroup(gid: number, uid: number): Promise<Reply>;
  ungagInGroup(gid: number, uid: number): Promise<Reply>;
  banFromGroup(gid: number, uid: number): Promise<Reply>;
  unbanFromGroup(gid: number, uid: number): Promise<Reply>;
  addGroupManager(gid: number, uid: number): Promise<Reply>;
  removeGroupManager(gid: number, uid: number): Promise<Reply>;
  groupMembers(gid: number, page?: { num?: number; offset?: number }): Promise<{ members: Member[]; total?: number }>;
  groupInfo(gid: number): Promise<Reply & { gid: number; name: string; desc: string; owner: number; members: number; created: number; role: string; seq: number }>;
  setGroupInfo(gid: number, info: { name?: string; desc?: string }): Promise<Reply>;
  recallGroupMessage(gid: number, seq: number): Promise<Reply>;
  groupTyping(gid: number): Promise<Reply>;

  createRoom(options: { rid?: number; name: string; desc?: string }): Promise<Reply & { rid: number }>;
  dismissRoom(rid: number): Promise<Reply>;
  joinRoom(rid: number): Promise<Reply & { rid: number; gid: number }>;
  quitRoom(rid: number): Promise<Reply>;
  kickFromRoom(rid: number, uid: number): Promise<Reply>;
  roomChat(rid: number, text: string, options?: { level?: number; time?: number; data?: Uint8Array }): Promise<Reply>;
  broadcastToRoom(rid: number, data: string | Uint8Array, options?: { level?: number; time?: number; expire?: number }): Promise<Reply>;
  roomCount(rid: number): Promise<Reply & { rid: number; num: number }>;
  roomInfo(rid: number): Promise<Reply & { rid: number; name: string; desc: string; owner: number; num: number }>;
}

/** One log's order: releases each seq once, in order, holding what follows a gap. */
export declare class LogSequencer<T = unknown> {
  constructor(cursor?: number);
  cursor: number;
  readonly gap: boolean;
  offer(seq: number, entry: T): T[];
  skipTo(seq: number): T[];
  skipGaps(): T[];
}

/** The connection layer under ImClient (login, heartbeats, serial matching, reconnection, resend). */
export declare class Session extends Emitter {
  constructor(options: ImClientOptions & { afterLogin?: (ack: OnlineAck) => Promise<void> | void });
  readonly state: ConnectionState;
  readonly online: boolean;
  sid: number;
  start(): void;
  stop(): Promise<void>;
  drop(): void;
  send(name: string, body?: object, serial?: Id): boolean;
  request(name: string, body?: object, options?: { serial?: number; timeoutMs?: number }): Promise<Reply>;
}

export interface ChatMessage { seq?: number; serial?: number; from: number; text: string; time: number; recalled?: boolean; status: "sending" | "sent" | "delivered" | "read" | "received" | "failed"; error?: string }
export interface ChatConversation { peer: number; messages: Map<string, ChatMessage>; unread: number; readSeq: number; peerReadSeq?: number; lastTime?: number; typingUntil: number }
export interface GroupEntry { kind: "chat" | "notice"; seq?: number; from?: number; text: string; time?: number; recalled?: boolean; status?: string }
export interface ChatGroup { gid: number; name: string; desc?: string; role: string; entries: Map<string, GroupEntry>; unread: number; readSeq: number; members: Member[]; gone: boolean; left?: boolean; typingUntil: number }
export interface ChatRoom { rid: number; name: string; bucket: number; count?: number; joined: boolean; entries: Array<{ kind: string; text: string; from?: number; time: number }> }

/** The state an app shows, kept current from the server: conversations, contacts, groups, rooms. */
export declare class ChatModel extends Emitter<{ change: undefined; problem: ImError | Error | string; online: OnlineAck }> {
  constructor(options: ImClientOptions & { storage?: Pick<Storage, "getItem" | "setItem">; isVisible?: () => boolean });
  readonly client: ImClient;
  readonly uid: number;
  readonly state: ConnectionState;
  readonly inboxSeq: number;
  conversations: Map<number, ChatConversation>;
  groups: Map<number, ChatGroup>;
  rooms: Map<number, ChatRoom>;
  notices: Array<{ kind: string; text: string; time: number }>;
  contacts: { friends: Set<number>; requestsIn: Set<number>; requestsOut: Set<number>; blacklist: Set<number>; gagged: Set<number>; marks: Record<number, string>; presence: Record<number, "online" | "offline">; lastSeen: Record<number, number>; version: number };
  start(): void;
  stop(): Promise<void>;
  conversation(peer: number): ChatConversation;
  group(gid: number): ChatGroup;
  room(rid: number): ChatRoom;
  sendChat(peer: number, text: string): Promise<void>;
  openConversation(peer: number | undefined): void;
  markRead(peer: number): Promise<void>;
  addFriend(uid: number, mark?: string): Promise<void>;
  removeFriend(uid: number): Promise<void>;
  setFlag(kind: "blacklist" | "gagged", uid: number, on: boolean): Promise<void>;
  setMark(uid: number, mark: string): Promise<void>;
  recall(peer: number, seq: number): Promise<void>;
  createGroup(name: string): Promise<number>;
  joinGroup(gid: number): Promise<void>;
  quitGroup(gid: number): Promise<void>;
  dismissGroup(gid: number): Promise<void>;
  invite(gid: number, to: number): Promise<void>;
  sendGroupChat(gid: number, text: string): Promise<void>;
  openGroup(gid: number | undefined): void;
  createRoom(name: string): Promise<number>;
  joinRoom(rid: number, options?: { quiet?: boolean }): Promise<void>;
  quitRoom(rid: number): Promise<void>;
  sendRoomChat(rid: number, text: string): Promise<void>;
  displayName(uid: number): string;
}
