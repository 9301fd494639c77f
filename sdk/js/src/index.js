// orleansim-client: the codec, the resilient client and the account state of OrleansIm, for browsers and Node.
export { ImClient, PUSH_CLASSES } from "./client.js";
export { ImError } from "./errors.js";
export { Emitter } from "./emitter.js";
export { LogSequencer } from "./sequencer.js";
export { Session } from "./session.js";
export { ChatModel } from "./model-spaces.js";
export { CMD, CODES, COMMANDS, HEADER_LENGTH, CodecError, codeText, commandName, decode, decodeFrames, encode, encodeFrame } from "./codec.js";
