// A small event emitter that behaves the same in browsers and Node: listeners by name, each called with one
// argument; a listener that throws is reported through "error" (or the console) instead of breaking delivery.

export class Emitter {
  #listeners = new Map();

  /** Adds a listener; returns a function that removes it. */
  on(name, listener) {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, set = new Set());
    set.add(listener);
    return () => this.off(name, listener);
  }

  off(name, listener) {
    this.#listeners.get(name)?.delete(listener);
  }

  /** A listener called at most once. */
  once(name, listener) {
    const off = this.on(name, value => {
      off();
      listener(value);
    });
    return off;
  }

  emit(name, value) {
    const set = this.#listeners.get(name);
    if (!set || set.size === 0) return false;
    for (const listener of [...set]) {
      try {
        listener(value);
      } catch (error) {
        // One faulty listener must not stop the others or the protocol handling that emitted the event.
        if (name !== "error" && this.#listeners.get("error")?.size) this.emit("error", error);
        else console.error(error);
      }
    }

    return true;
  }
}
