import type { Front, FrontLogger } from './front.ts';
import { MemoryFront } from './memory-front.ts';
import { RedisFront } from './redis-front.ts';

// REDIS_URL set: the shared Redis front, and startup fails within connectTimeoutMs if it does
// not answer (a wrong URL silently falling back to per-node memory would split rate limits and
// the stream across nodes). Not set: the in-process front for a single node.
// Same signature as createFront in redis.ts, so switching is a change of import path.

export interface CreateFrontOptions {
  redisUrl?: string;
  /** Prefix of every Redis key (default `kp`); tests use a unique one per run. */
  prefix?: string;
  logger?: FrontLogger;
  opTimeoutMs?: number;
  connectTimeoutMs?: number;
  streamMaxLen?: number;
}

export async function createFront(opts: CreateFrontOptions = {}): Promise<Front> {
  if (opts.redisUrl === undefined || opts.redisUrl === '') {
    return new MemoryFront({ logger: opts.logger, streamMaxLen: opts.streamMaxLen });
  }
  return RedisFront.connect({
    url: opts.redisUrl,
    prefix: opts.prefix,
    logger: opts.logger,
    opTimeoutMs: opts.opTimeoutMs,
    connectTimeoutMs: opts.connectTimeoutMs,
    streamMaxLen: opts.streamMaxLen,
  });
}
