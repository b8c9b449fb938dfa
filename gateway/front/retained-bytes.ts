// Text the in-process front keeps for minutes (answers for replays, stream entries), as UTF-8 in
// slabs of its own.
//
// Buffer.from(text) takes small buffers from Node's shared 8 KB pool, which every other small
// Buffer of the process draws from too. A kept answer then holds its whole slab, and the
// short-lived buffers beside it, alive until a full collection, and V8 counts those slabs as
// external memory: each 64 MB more of it starts a full collection. At 1,100 commits a second
// that started one every ~12 s, where what is really kept is ~1.6 KB a commit (issue #17, README
// "The thirteenth pass"). Here a slab holds only kept text, laid down in the order it came, so
// the entries of one slab are forgotten about together (an LRU's oldest, a stream's trimmed
// head) and the slab goes with them.

const SLAB_BYTES = 64 * 1024;
/** Larger texts get a buffer of their own rather than most of a slab. */
const OWN_BUFFER_FROM = SLAB_BYTES / 8;

export class RetainedBytes {
  private slab: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private used = 0;

  /** The text as UTF-8 in a slab of kept text (a view on it; never written again). */
  copy(text: string): Buffer {
    const length = Buffer.byteLength(text);
    if (length >= OWN_BUFFER_FROM) {
      const own = Buffer.allocUnsafeSlow(length);
      own.write(text);
      return own;
    }
    if (this.used + length > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    const view = this.slab.subarray(this.used, this.used + length);
    view.write(text);
    this.used += length;
    return view;
  }
}
