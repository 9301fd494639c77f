// Type declarations of orleansim-client/codec: the frame header and proto2 bodies of the OrleansIm protocol.

/** A 64-bit id or seq: a number when exact (every value the server hands out), else a bigint. */
export type Id = number | bigint;

export declare const HEADER_LENGTH: 36;
/** command id -> [name, body message (null: none, "bytes": opaque), reply id (0: none), direction] */
export declare const COMMANDS: Record<number, [string, string | null, number, "c2s" | "s2c" | "both"]>;
/** result code -> text */
export declare const CODES: Record<number, string>;
/** command name -> id ("CHAT" -> 0x0201) */
export declare const CMD: Record<string, number>;

export declare class CodecError extends Error {}

export declare function commandName(id: number): string;
export declare function codeText(code: number): string;
export declare function encode(type: string, message: object): Uint8Array;
export declare function decode(type: string, bytes: Uint8Array): Record<string, any>;

export interface FrameHeader {
  sid?: Id;
  nid?: number;
  serial?: Id;
  flag?: number;
}

export interface Frame {
  cmd: number;
  name: string;
  flag: number;
  sid: Id;
  nid: number;
  /** A request's serial, echoed by its reply; on a stored entry, its seq. */
  serial: Id;
  raw: Uint8Array;
  /** The decoded body (a Uint8Array for BC and P2P; undefined for commands without one). */
  body?: any;
  /** Set instead of body when the body could not be decoded. */
  error?: Error;
}

export declare function encodeFrame(cmd: number, header?: FrameHeader, body?: object | Uint8Array): Uint8Array;
export declare function decodeFrames(buffer: ArrayBuffer | Uint8Array): Frame[];
