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
--
-- KEYS: per operation, its entity's hash (its lease hash for concurrency).
-- ARGV[1..3] as in the prelude; ARGV[4] 1 to charge when allowed (reserve), 0 to evaluate;
-- then 10 per operation: field, algorithm, live, amount, limit, p1 .. p5:
--   1 token bucket   p1, p2 = the charge's cost as whole micros (clamped) and a fraction in 1/refill micros;
--                    p3, p4 = the tolerance (the capacity's cost), likewise; p5 = refill, the fraction's base.
--                    State "tat:fraction": the theoretical arrival time, exact (see Algorithms).
--   2 fixed window   p1 = window micros                                              state "windowEnd:used"
--   3 calendar quota p1 = period start, p2 = period end (computed by Java from this server's time)
--                                                                                    state "periodEnd:used"
--   4 sliding window p1 = window micros, p2 = window millis            state "currentStart:current:previous"
--   5 concurrency    p1 = lease micros                       lease hash: lease id -> "expiry:weight"
-- Returns {now, 0, committed, then 4 per operation: allowed, s1, s2, s3} or, when a calendar period handed in
-- does not hold now, {now, 1} so Java recomputes the period from this time and calls again.

local commit = ARGV[4] == '1'
local ARGS = 10

-- A token bucket's arrival time after a charge of (whole, fraction): from now if the bucket is full, with the
-- fraction carried into whole micros at refill.
local function bucket_after(tat, frac, whole, fraction, refill)
  if tat < now or (tat == now and frac == 0) then tat, frac = now, 0 end
  local w, f = tat + whole, frac + fraction
  if f >= refill then w, f = w + 1, f - refill end
  return w, f
end

-- Pass 1: calendar periods must hold now, before anything else is read.
for i = 1, n do
  local b = 4 + (i - 1) * ARGS
  if ARGV[b + 2] == '3' then
    local s, e = tonumber(ARGV[b + 6]), tonumber(ARGV[b + 7])
    if now < s or now >= e then
      return {now, 1}
    end
  end
end

-- Pass 2: read and evaluate.
local raw = read_fields(function(i)
  local b = 4 + (i - 1) * ARGS
  if ARGV[b + 2] ~= '5' then return ARGV[b + 1] end
end)
local out = {now, 0, 0}
local state = {}
local allowed = {}
local live_denied = false
for i = 1, n do
  local b = 4 + (i - 1) * ARGS
  local algo = ARGV[b + 2]
  local amount = tonumber(ARGV[b + 4])
  local limit = tonumber(ARGV[b + 5])
  local p1, p2 = tonumber(ARGV[b + 6]), tonumber(ARGV[b + 7])
  local ok
  local s1, s2, s3 = 0, 0, 0
  if algo == '1' then
    s1, s2 = decode(raw[i])
    local w, f = bucket_after(s1, s2, p1, p2, tonumber(ARGV[b + 10]))
    local tw, tf = tonumber(ARGV[b + 8]), tonumber(ARGV[b + 9])
    ok = (w - now < tw) or (w - now == tw and f <= tf)
  elseif algo == '2' or algo == '3' then
    s1, s2 = decode(raw[i])
    local e
    if algo == '2' then e = floor_start(now, p1) + p1 else e = p2 end
    local used = 0
    if s1 == e then used = s2 end
    ok = used + amount <= limit
  elseif algo == '4' then
    s1, s2, s3 = decode(raw[i])
    local start = floor_start(now, p1)
    local current, previous = roll(s1, s2, s3, start, p1)
    local weight = ceil_div(p1 - (now - start), p2)
    local estimate = ceil_div(previous * weight, 1000) + current
    ok = estimate + amount <= limit
  else
    -- Concurrency: a hash of lease id -> "expiry:weight". Expired leases are dropped as they are met.
    local key = KEYS[i]
    local flat = redis.call('HGETALL', key)
    local earliest, latest = 0, 0
    for j = 1, #flat, 2 do
      local e, w = decode(flat[j + 1])
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
  end
  allowed[i] = ok
  state[i] = {s1, s2, s3}
  if not ok and ARGV[b + 3] == '1' then live_denied = true end
  out[#out + 1] = ok and 1 or 0
  out[#out + 1] = s1
  out[#out + 1] = s2
  out[#out + 1] = s3
end

if not commit or live_denied then
  return out
end

-- Pass 3: charge every rule that allowed.
for i = 1, n do
  if allowed[i] then
    local b = 4 + (i - 1) * ARGS
    local f = ARGV[b + 1]
    local algo = ARGV[b + 2]
    local amount = tonumber(ARGV[b + 4])
    local p1, p2 = tonumber(ARGV[b + 6]), tonumber(ARGV[b + 7])
    local s = state[i]
    local stored = raw[i] and true or false
    if algo == '1' then
      local w, fr = bucket_after(s[1], s[2], p1, p2, tonumber(ARGV[b + 10]))
      if w - now >= MAX_DEBT then w, fr = now + MAX_DEBT, 0 end
      local full_at = w
      if fr > 0 then full_at = w + 1 end
      keep(i, f, encode(w, fr, 0), full_at, stored)
    elseif algo == '2' or algo == '3' then
      local e
      if algo == '2' then e = floor_start(now, p1) + p1 else e = p2 end
      local used = 0
      if s[1] == e then used = s[2] end
      used = math.min(used + amount, MAX_LIMIT)
      if used > 0 then keep(i, f, num(e) .. ':' .. num(used), e, stored) end
    elseif algo == '4' then
      local start = floor_start(now, p1)
      local current, previous = roll(s[1], s[2], s[3], start, p1)
      current = math.min(current + amount, MAX_SLIDING_LIMIT)
      local full_at = start + p1
      if current > 0 then full_at = start + 2 * p1 end
      if current > 0 or previous > 0 then
        keep(i, f, encode(start, current, previous), full_at, stored)
      end
    else
      if amount > 0 then
        local key = KEYS[i]
        local expiry = now + p1
        redis.call('HSET', key, lease_id, num(expiry) .. ':' .. num(amount))
        expire_leases(key, math.max(s[3], expiry))
      end
    end
  end
end
flush()
out[3] = 1
return out
