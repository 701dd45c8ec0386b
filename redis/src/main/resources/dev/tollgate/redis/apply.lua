-- Tollgate: evaluate, and if allowed charge, every rule of one decision on one slot, atomically.
-- (prelude.lua comes first: time, number rules, the hash layout and its expiry.)
--
-- This script is the Redis half of dev.tollgate.internal.Algorithms (evaluate + charge). It decides only
-- whether each rule allows the call and charges it; it returns each rule's state as it was BEFORE the charge,
-- and Java recomputes remaining / reset / retry-after from that state with Algorithms itself. So the numbers a
-- caller sees come from one implementation, and this script need only agree on "allowed" and on the charge
-- (the parity tests hold it to that).
--
-- Invariants (beyond the prelude's):
--  * All or nothing: if any LIVE rule denies, nothing is written. A DRY_RUN rule that denies is reported and
--    not charged; the others are.
--  * Inputs stay exact: limits <= 2^53-1, amounts clamped to 2^53, token-bucket costs' whole micros clamped to
--    the tolerance's + 1 (<= ~3.2e14) and their fractions below the refill amount (< 3.2e13, so fraction sums
--    stay exact).
--  * Each rule's charged state is worked out once, while it is evaluated; the charge only writes it.
--
-- KEYS: per operation, its entity's hash (its lease hash for concurrency).
-- ARGV[1..3] as in the prelude; ARGV[4] 1 to charge when allowed (reserve), 0 to evaluate;
-- then 2 per operation: its field ('' for concurrency), then 9 packed doubles: algorithm, live, amount, limit,
-- p1 .. p5:
--   1 token bucket   p1, p2 = the charge's cost as whole micros (clamped) and a fraction in 1/refill micros;
--                    p3, p4 = the tolerance (the capacity's cost), likewise; p5 = refill, the fraction's base.
--                    State (tat, fraction): the theoretical arrival time, exact (see Algorithms).
--   2 fixed window   p1 = window micros                                              state (windowEnd, used)
--   3 calendar quota p1 = period start, p2 = period end (computed by Java from this server's time)
--                                                                                    state (periodEnd, used)
--   4 sliding window p1 = window micros, p2 = window millis            state (currentStart, current, previous)
--   5 concurrency    p1 = lease micros                       lease hash: lease id -> "expiry:weight" (text, as
--                                                            before the hash layout, so leases survive upgrades)
-- Returns {now, 0, committed, then 4 per operation: allowed, s1, s2, s3} or, when a calendar period handed in
-- does not hold now, {now, 1} so Java recomputes the period from this time and calls again. (Before that
-- answer the script may have dropped expired leases: a clean-up that changes no decision.)

local commit = ARGV[4] == '1'
local NUMBERS = '<d<d<d<d<d<d<d<d<d'

-- Pass 1: read, evaluate, and work out each rule's state after the charge: value[i] kept until full_at[i].
local raw = read_fields(4, 2)
local out = {now, 0, 0}
local value, full_at, lease = {}, {}, {}
local live_denied = false
for i = 1, n do
  local b = 4 + (i - 1) * 2
  local algo, live, amount, limit, p1, p2, p3, p4, p5 = struct.unpack(NUMBERS, ARGV[b + 2])
  local r = raw[i]
  local ok
  local s1, s2, s3 = 0, 0, 0
  if algo == 1 then
    if r then s1, s2 = struct.unpack('<d<d', r) end
    -- The arrival time after the charge: from now if the bucket is full, the fraction carried at refill.
    local w, f = s1, s2
    if w < now or (w == now and f == 0) then w, f = now, 0 end
    w, f = w + p1, f + p2
    if f >= p5 then w, f = w + 1, f - p5 end
    ok = (w - now < p3) or (w - now == p3 and f <= p4)
    if w - now >= MAX_DEBT then w, f = now + MAX_DEBT, 0 end
    value[i] = struct.pack('<d<d', w, f)
    if f > 0 then full_at[i] = w + 1 else full_at[i] = w end
  elseif algo == 2 or algo == 3 then
    local e
    if algo == 2 then
      e = now - math.fmod(now, p1) + p1
    else
      if now < p1 or now >= p2 then return {now, 1} end
      e = p2
    end
    if r then s1, s2 = struct.unpack('<d<d', r) end
    local used = 0
    if s1 == e then used = s2 end
    ok = used + amount <= limit
    used = math.min(used + amount, MAX_LIMIT)
    if used > 0 then
      value[i] = struct.pack('<d<d', e, used)
      full_at[i] = e
    end
  elseif algo == 4 then
    if r then s1, s2, s3 = struct.unpack('<d<d<d', r) end
    local start = now - math.fmod(now, p1)
    local current, previous = roll(s1, s2, s3, start, p1)
    local weight = ceil_div(p1 - (now - start), p2)
    local estimate = ceil_div(previous * weight, 1000) + current
    ok = estimate + amount <= limit
    current = math.min(current + amount, MAX_SLIDING_LIMIT)
    if current > 0 or previous > 0 then
      value[i] = struct.pack('<d<d<d', start, current, previous)
      if current > 0 then full_at[i] = start + 2 * p1 else full_at[i] = start + p1 end
    end
  else
    -- Concurrency: a hash of lease id -> "expiry:weight". Expired leases are dropped as they are met.
    local key = KEYS[i]
    local flat = redis.call('HGETALL', key)
    local earliest, latest = 0, 0
    for j = 1, #flat, 2 do
      local e, w = string.match(flat[j + 1], '^(%d+):(%d+)$')
      e, w = tonumber(e), tonumber(w)
      if e <= now then
        redis.call('HDEL', key, flat[j])
      else
        s1 = s1 + w
        if earliest == 0 or e < earliest then earliest = e end
        if e > latest then latest = e end
      end
    end
    s2, s3 = earliest, latest
    ok = s1 + amount <= limit
    if amount > 0 then lease[i] = {now + p1, amount} end
  end
  if not ok and live == 1 then live_denied = true end
  local o = 4 * i
  out[o] = ok and 1 or 0
  out[o + 1] = s1
  out[o + 2] = s2
  out[o + 3] = s3
end

if not commit or live_denied then
  return out
end

-- Pass 2: charge every rule that allowed.
for i = 1, n do
  if out[4 * i] == 1 then
    if value[i] then
      keep(i, ARGV[4 + (i - 1) * 2 + 1], value[i], full_at[i], raw[i])
    elseif lease[i] then
      local key, expiry = KEYS[i], lease[i][1]
      redis.call('HSET', key, lease_id, string.format('%.0f:%.0f', expiry, lease[i][2]))
      redis.call('PEXPIRE', key, ttl(math.max(out[4 * i + 3], expiry)))
    end
  end
end
flush()
out[3] = 1
return out
