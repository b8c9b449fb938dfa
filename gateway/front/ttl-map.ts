// A Map whose entries expire, with a size cap. MemoryFront keeps answers and summaries for days
// on a busy single node; without a cap that is unbounded memory. Everything stored here is an
// optimisation, so evicting the oldest entry early is always safe.

interface Slot<V> {
  value: V;
  expiresAt: number;
}

export class TtlMap<V> {
  private readonly slots = new Map<string, Slot<V>>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  get(key: string): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= this.now()) {
      this.slots.delete(key);
      return undefined;
    }
    return slot.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    // Delete first so the key moves to the end of insertion order: the cap evicts from the front.
    this.slots.delete(key);
    this.slots.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.slots.size > this.maxEntries) {
      const oldest = this.slots.keys().next();
      if (oldest.done) break;
      this.slots.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.slots.delete(key);
  }

  /** Drops expired entries; called from a timer so memory is returned without reads. */
  sweep(): void {
    const now = this.now();
    for (const [key, slot] of this.slots) if (slot.expiresAt <= now) this.slots.delete(key);
  }

  clear(): void {
    this.slots.clear();
  }
}
