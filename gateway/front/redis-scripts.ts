import { createHash } from 'node:crypto';

// Lua scripts for what must be atomic in Redis. Run by EVALSHA, falling back to EVAL once after
// a Redis restart (NOSCRIPT), so the script body crosses the network only when needed.

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function lua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

export interface ScriptClient {
  sendCommand<T>(args: string[]): Promise<T>;
}

export async function runScript<T>(client: ScriptClient, script: LuaScript, keys: string[], args: string[]): Promise<T> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await client.sendCommand<T>(['EVALSHA', script.sha, ...tail]);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return client.sendCommand<T>(['EVAL', script.source, ...tail]);
  }
}

/**
 * KEYS: generation, summary. ARGV: generation ttl (s).
 * The new generation is max(old + 1, Redis time in µs): it always grows, and never repeats a value
 * issued before the key was lost (eviction, a flushed Redis), so an old reader cannot match it.
 * %.0f because Lua 5.1 prints large numbers as 1.8e+15.
 */
export const INVALIDATE_CUSTOMER = lua(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local g = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
if g < now then g = now end
redis.call('SET', KEYS[1], string.format('%.0f', g), 'EX', ARGV[1])
redis.call('DEL', KEYS[2])
return 1
`);

/**
 * KEYS: generation, summary. ARGV: the generation the reader saw, summary, ttl (ms).
 * Stores the summary only if no invalidation happened since the reader looked; compared as
 * strings because both sides print the integer the same way.
 */
export const SET_CUSTOMER = lua(`
local cur = redis.call('GET', KEYS[1]) or '0'
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
`);

/**
 * KEYS: bucket. ARGV: limit per second, burst. Returns {allowed 0|1, retryAfterMs}.
 * The same arithmetic as token-bucket.ts. Redis' clock, not the gateways', so nodes agree.
 */
export const RATE_LIMIT = lua(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = math.max(tonumber(ARGV[2]), 1)
local s = redis.call('HMGET', KEYS[1], 'tk', 'ts')
local tokens = tonumber(s[1])
local at = tonumber(s[2])
if tokens == nil or at == nil then tokens = burst; at = now end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.max(1, math.ceil((1 - tokens) * 1000 / rate))
end
redis.call('HSET', KEYS[1], 'tk', string.format('%.6f', tokens), 'ts', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, retry}
`);
