import type { RateDecision } from './front.ts';

// The token bucket, as plain arithmetic. memory-front.ts and redis-front.ts's local fallback use
// it; rateLimit in redis-scripts.ts is the same computation in Lua (keep them in step).

export interface BucketState {
  tokens: number;
  /** Milliseconds since the epoch when `tokens` was computed. */
  at: number;
}

export function takeToken(
  state: BucketState | undefined,
  now: number,
  limitPerSecond: number,
  burst: number,
): { state: BucketState; result: RateDecision } {
  const rate = Math.max(limitPerSecond, Number.MIN_VALUE);
  const capacity = Math.max(burst, 1);
  const start = state ?? { tokens: capacity, at: now };
  const tokens = Math.min(capacity, start.tokens + (Math.max(0, now - start.at) * rate) / 1000);
  if (tokens >= 1) return { state: { tokens: tokens - 1, at: now }, result: { allowed: true, retryAfterMs: 0 } };
  return { state: { tokens, at: now }, result: { allowed: false, retryAfterMs: Math.max(1, Math.ceil(((1 - tokens) * 1000) / rate)) } };
}

/** How long an untouched bucket matters: after this it is full again and may be forgotten. */
export function bucketLifetimeMs(limitPerSecond: number, burst: number): number {
  return Math.ceil((Math.max(burst, 1) * 1000) / Math.max(limitPerSecond, Number.MIN_VALUE)) + 1000;
}
