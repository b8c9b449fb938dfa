import type { KopilkaEvent } from '../../ledger/events.ts';
import { entryJson, type Delivery, type StreamReader } from './consumer-loop.ts';
import { RetainedBytes } from './retained-bytes.ts';

// The in-process event stream of memory-front.ts: a capped log with consumer groups, modelled on Redis Streams so
// MemoryFront gives the same guarantees — each group sees every entry; within a group each entry
// goes to one consumer and stays pending until acked; idle pending entries can be claimed.
// Entries are kept as JSON, as Redis keeps them: a consumer gets its own copy, and an event that
// cannot be serialised fails at publish on both fronts alike.

interface Entry {
  seq: number;
  /** When it was appended (ms): its id, `<at>-<seq>` as Redis forms them, is written only when delivered. */
  at: number;
  /** The event's type, kept apart: a group that does not take it passes the entry over unread. */
  type: string;
  /** UTF-8 outside V8's heap, for the reason memory-front.ts keeps its answers so, in slabs of kept text (retained-bytes.ts). */
  json: Buffer;
}

interface Pending {
  entry: Entry;
  consumer: string;
  deliveredAt: number;
}

interface Group {
  /** seq of the first entry not yet delivered to this group. */
  next: number;
  /** By seq: a retained entry keeps no id text of its own (100,000 of them, promoted, were ~9 MB of strings). */
  pending: Map<number, Pending>;
}

export class MemoryStream {
  private entries: Entry[] = [];
  private nextSeq = 1;
  private readonly bytes = new RetainedBytes();
  private readonly groups = new Map<string, Group>();
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly maxLen: number,
    private readonly now: () => number = Date.now,
  ) {}

  append(events: readonly KopilkaEvent[]): void {
    // Serialise all first: a bad event fails the whole publish, nothing half-appended.
    const jsons = events.map(entryJson);
    for (let i = 0; i < jsons.length; i++) {
      const seq = this.nextSeq++;
      this.entries.push({ seq, at: this.now(), type: events[i]!.type, json: this.bytes.copy(jsons[i]!) });
    }
    // Trim like XADD MAXLEN ~: only once well over the cap, so the splice is amortised.
    if (this.entries.length > this.maxLen + Math.max(1, Math.floor(this.maxLen / 10))) {
      this.entries.splice(0, this.entries.length - this.maxLen);
    }
    for (const wake of [...this.waiters]) wake();
  }

  ensureGroup(group: string, from: 'new' | 'start'): void {
    if (this.groups.has(group)) return;
    this.groups.set(group, { next: from === 'new' ? this.nextSeq : 0, pending: new Map() });
  }

  /** `types`: the only types this group takes (ConsumeOptions.types); entries of others are passed over unread. */
  reader(groupName: string, consumer: string, types?: ReadonlySet<string>): StreamReader {
    const group = this.groups.get(groupName);
    if (group === undefined) throw new Error(`no group ${groupName}`);
    let closed = false;
    let wake: (() => void) | null = null;
    const deliver = (p: Pending): Delivery => {
      p.consumer = consumer;
      p.deliveredAt = this.now();
      return { id: `${p.entry.at}-${p.entry.seq}`, event: JSON.parse(p.entry.json.toString()) as KopilkaEvent };
    };
    const readNew = (count: number): Delivery[] => {
      const first = this.entries[0]?.seq ?? this.nextSeq;
      let i = Math.max(group.next, first) - first;
      const out: Delivery[] = [];
      while (i < this.entries.length && out.length < count) {
        const entry = this.entries[i++]!;
        if (types !== undefined && !types.has(entry.type)) continue; // nothing to deliver, nothing to ack
        const p: Pending = { entry, consumer, deliveredAt: 0 };
        group.pending.set(entry.seq, p);
        out.push(deliver(p));
      }
      // Past everything looked at, delivered or passed over (never back: i starts at group.next).
      if (i > 0) group.next = Math.max(group.next, this.entries[i - 1]!.seq + 1);
      return out;
    };
    return {
      ownPending: async (afterId, count) => {
        const after = seqOf(afterId);
        const mine = [...group.pending.values()].filter((p) => p.consumer === consumer && p.entry.seq > after);
        mine.sort((a, b) => a.entry.seq - b.entry.seq);
        return mine.slice(0, count).map(deliver);
      },
      claimIdle: async (minIdleMs, count) => {
        const now = this.now();
        const out: Delivery[] = [];
        for (const p of group.pending.values()) {
          if (out.length >= count) break;
          if (now - p.deliveredAt >= minIdleMs) out.push(deliver(p));
        }
        return out;
      },
      readNew: async (count, blockMs) => {
        if (closed) return [];
        const got = readNew(count);
        if (got.length > 0) return got;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            this.waiters.delete(done);
            wake = null;
            resolve();
          };
          const timer = setTimeout(done, blockMs);
          this.waiters.add(done);
          wake = done;
        });
        return closed ? [] : readNew(count);
      },
      ack: async (ids) => {
        for (const id of ids) group.pending.delete(seqOf(id));
      },
      close: async () => {
        closed = true;
        wake?.();
      },
    };
  }
}

function seqOf(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(dash + 1)) || 0;
}
