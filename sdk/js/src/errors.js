// The one error type of the SDK. A refusal by the server carries the protocol code (a number, see
// docs/protocol.md) and the server's errmsg; failures on this side carry a string code.
import { codeText } from "./codec.js";

/**
 * Local codes: "closed" (the connection dropped while a request that is not resent was waiting), "offline" (sent
 * while not logged in), "timeout" (no answer in time), "invalid" (the body could not be encoded), "stopped" (the
 * client was closed).
 */
export class ImError extends Error {
  constructor(command, code, errmsg) {
    const text = errmsg ?? (typeof code === "number" ? codeText(code) : code);
    super(`${command}: ${text}${typeof code === "number" ? ` (${code})` : ""}`);
    this.name = "ImError";
    this.command = command;
    this.code = code;
    this.errmsg = text;
  }

  /** True when the server refused the request (a numeric protocol code), false for local failures. */
  get refused() {
    return typeof this.code === "number";
  }
}
