// One log's order: the inbox of the user or one group's log. Entries are numbered 1, 2, 3 … without gaps; they may
// arrive out of order (a reply and a push crossing, a replay after a reconnect) or twice. The sequencer releases
// each seq once, in order, and holds what comes after a gap until the gap is filled or given up.

export class LogSequencer {
  /** @param {number} cursor the highest seq already handled (0: none) */
  constructor(cursor = 0) {
    this.cursor = cursor;
    this.held = new Map();
  }

  /** True while entries are held behind a missing seq. */
  get gap() {
    return this.held.size > 0;
  }

  /** Offers the entry at `seq`; returns the entries that can now be handled, in seq order (duplicates: none). */
  offer(seq, entry) {
    if (!(seq > this.cursor) || this.held.has(seq)) return [];
    this.held.set(seq, entry);
    return this.#drain();
  }

  /** Everything up to `seq` is known (a SYNC-ACK's head): releases what is held there, then moves past it. */
  skipTo(seq) {
    const released = [];
    for (const s of [...this.held.keys()].sort((a, b) => a - b)) {
      if (s > seq) break;
      released.push(this.held.get(s));
      this.held.delete(s);
    }

    this.cursor = Math.max(this.cursor, seq);
    return released.concat(this.#drain());
  }

  /** Gives up on every missing seq (removed by retention, or never coming): releases all that is held, in order. */
  skipGaps() {
    const highest = Math.max(this.cursor, ...this.held.keys());
    return this.skipTo(highest);
  }

  #drain() {
    const released = [];
    while (this.held.has(this.cursor + 1)) {
      const seq = ++this.cursor;
      released.push(this.held.get(seq));
      this.held.delete(seq);
    }

    return released;
  }
}
