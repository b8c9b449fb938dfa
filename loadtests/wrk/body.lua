-- The sale body of `npm run bench`, as loadtests/scenarios.ts saleBody builds it (keep the two in
-- step): 1 to 4 lines, one or two of each, a phone drawn from the seeded customers, and every fifth
-- check pays with as many bonuses as the program allows. Loaded by commit.lua and calculate.lua.

local groups = { [0] = "coffee", [1] = "bakery", [2] = "other" }
local last_second, occurred_at = -1, nil

local function now_iso()
  local t = os.time()
  if t ~= last_second then
    last_second, occurred_at = t, os.date("!%Y-%m-%dT%H:%M:%SZ", t)
  end
  return occurred_at
end

function sale_body(i, customer, run)
  local lines, total = {}, 0
  for k = 1, 1 + (i % 4) do
    local price = 5000 + ((i * 31 + k * 17) % 40) * 2500
    local quantity = 1000 * (1 + ((i + k) % 2))
    local amount = price * quantity / 1000
    total = total + amount
    lines[k] = string.format('{"lineNo":%d,"productId":"sku-%d","groupId":"%s","quantity":%d,"price":%d,"amount":%d}',
      k, (i * 7 + k) % 97, groups[k % 3], quantity, price, amount)
  end
  return string.format(
    '{"externalId":"%s-%d","occurredAt":"%s","storeId":"shop-%d","cashierId":"cashier-%d","customer":{"phone":"+7999%07d"},'
      .. '"lines":[%s],"payments":[{"type":"%s","amount":%d}],"redeem":%s}',
    run, i, now_iso(), i % 7, i % 13, customer, table.concat(lines, ","), (i % 3 == 0) and "cash" or "card", total,
    (i % 5 == 0) and '"max"' or "0")
end

-- Threads: each gets an id (setup runs in the main thread), so external ids never repeat.
local threads, next_id = {}, 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- args: key, customers, run id[, "seq:<threads>" | "rate:<per thread>"]: customers drawn at random,
-- or (seq) each thread walks its share of them in turn, so a short run visits every one (the
-- bench's returning customers); rate: see delay below.
function load_args(args, path)
  key, customers, run = args[1], tonumber(args[2]), args[3] .. "-t" .. thread_id
  stride = args[4] and tonumber(args[4]:match("^seq:(%d+)$")) or nil
  local rate = args[4] and tonumber(args[4]:match("^rate:([%d.]+)$")) or nil
  if rate then hold_rate(rate) end
  math.randomseed(os.time() * 1000 + thread_id)
  counter = 0
  wrk.method = "POST"
  wrk.path = path
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.headers["Content-Type"] = "application/json"
end

-- A held rate, as wrk2 would hold it (Debian has no wrk2): each thread sends on a schedule of
-- <per thread> requests a second, whichever of its connections is free. wrk calls delay() before
-- every request; a connection still waiting for its answer is not free, so there must be enough
-- of them to spare (the bench takes a period of tens of ms per connection). Behind schedule (a
-- stall), the thread sends what it owes at once, at most a second of it, as tills would.
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } kp_timespec; int clock_gettime(int, kp_timespec *); ]]
local clock = ffi.new("kp_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

function hold_rate(per_second)
  local period, next_at = 1000 / per_second, nil
  delay = function()
    local t = now_ms()
    if next_at == nil or next_at < t - 1000 then next_at = t end
    local wait = next_at - t
    next_at = next_at + period
    return wait > 0 and math.floor(wait + 0.5) or 0
  end
end

function request()
  counter = counter + 1
  local customer = stride and ((counter - 1) * stride + thread_id) % customers or math.random(0, customers - 1)
  return wrk.format(nil, nil, nil, sale_body(counter, customer, run))
end

-- One JSON line for the bench to parse: counts, errors, wrk's latency percentiles (µs) and the CPU
-- this wrk process used (clock ticks, from /proc/self/stat: utime + stime of all its threads).
function done(summary, latency, requests)
  local cpu = -1
  local f = io.open("/proc/self/stat", "r")
  if f then
    local stat = f:read("*l")
    f:close()
    local fields = {}
    for w in stat:match("%) (.*)"):gmatch("%S+") do table.insert(fields, w) end
    cpu = tonumber(fields[12]) + tonumber(fields[13])
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
      .. '"p50":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f,"cpuTicks":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean, cpu))
end
