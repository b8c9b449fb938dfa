import { defineScript, type CommandParser } from 'redis';

// Lua scripts for what must be atomic in Redis, registered with node-redis (createClient's
// `scripts`): it runs them by EVALSHA and falls back to EVAL once when Redis answers NOSCRIPT
// (after a restart or SCRIPT FLUSH), so a script body crosses the network only when needed.

/**
 * KEYS: generation, summary. ARGV: the generation the reader saw, summary, ttl (ms).
 * Stores the summary only if no invalidation happened since the reader looked; compared as
 * strings because both sides print the integer the same way.
 */
const setCustomer = defineScript({
  SCRIPT: `
local cur = redis.call('GET', KEYS[1]) or '0'
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
`,
  NUMBER_OF_KEYS: 2,
  parseCommand(parser: CommandParser, generationKey: string, summaryKey: string, generation: number, json: string, ttlMs: number) {
    parser.pushKey(generationKey);
    parser.pushKey(summaryKey);
    parser.push(String(generation), json, String(ttlMs));
  },
  transformReply: (reply: unknown) => reply as number,
});

/**
 * KEYS: generation, record. ARGV: the generation the writer read, record, ttl (ms), generation ttl (s).
 * After a commit: the record is stored only if the generation is still the one read (compared as
 * strings, as setCustomer does), else dropped. Either way the generation moves on — to
 * max(old + 1, Redis time in µs), so it always grows and never repeats a value issued before the
 * key was lost (eviction, a flushed Redis) — and readers that looked before the commit cannot store
 * theirs. An invalidation is this with a generation no key holds ('-1'). %.0f because Lua 5.1
 * prints large numbers as 1.8e+15.
 */
const refreshCustomer = defineScript({
  SCRIPT: `
local cur = redis.call('GET', KEYS[1]) or '0'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local g = tonumber(cur) + 1
if g < now then g = now end
redis.call('SET', KEYS[1], string.format('%.0f', g), 'EX', ARGV[4])
if cur == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
  return 1
end
redis.call('DEL', KEYS[2])
return 0
`,
  NUMBER_OF_KEYS: 2,
  parseCommand(parser: CommandParser, generationKey: string, recordKey: string, generation: number, json: string, ttlMs: number, generationTtlS: number) {
    parser.pushKey(generationKey);
    parser.pushKey(recordKey);
    parser.push(String(generation), json, String(ttlMs), String(generationTtlS));
  },
  transformReply: (reply: unknown) => reply as number,
});

/**
 * KEYS: bucket. ARGV: limit per second, burst. Returns {allowed 0|1, retryAfterMs}, read as a RateDecision.
 * The same arithmetic as token-bucket.ts. Redis' clock, not the gateways', so nodes agree.
 */
const rateLimit = defineScript({
  SCRIPT: `
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
`,
  NUMBER_OF_KEYS: 1,
  parseCommand(parser: CommandParser, bucketKey: string, perSecond: number, burst: number) {
    parser.pushKey(bucketKey);
    parser.push(String(perSecond), String(burst));
  },
  transformReply: (reply: unknown) => {
    const [allowed, retryAfterMs] = reply as [number, number];
    return { allowed: allowed === 1, retryAfterMs };
  },
});

/** The front's scripts, as createClient({ scripts }) takes them: each becomes a client method. */
export const FRONT_SCRIPTS = { setCustomer, refreshCustomer, rateLimit };
