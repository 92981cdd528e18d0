/**
 * Collects items during one turn of the event loop and hands them over
 * together at its end (setImmediate, after the turn's I/O callbacks): the
 * batching of the license validation hot path (CryptoWorker: the jobs of a
 * turn as one worker message; SqliteReaders: the lookups of a turn as one
 * query).
 */
export class TurnBatch<T> {
  private items: T[] = [];
  private scheduled = false;

  /** `send` gets the items pushed since its last call, oldest first; never an empty list. */
  constructor(private readonly send: (items: T[]) => void) {}

  push(item: T): void {
    this.items.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Drop the items not sent yet (their owner settles them some other way). */
  clear(): void {
    this.items = [];
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const items = this.items;
    this.items = [];
    if (items.length) this.send(items);
  };
}
