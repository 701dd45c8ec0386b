-- Tollgate: evaluate, and if allowed charge, every rule of one decision on one slot, atomically.
--
-- This script is the Redis half of dev.tollgate.internal.Algorithms (evaluate + charge). It decides only
-- whether each rule allows the call and charges it; it returns each rule's state as it was BEFORE the charge,
-- and Java recomputes remaining / reset / retry-after from that state with Algorithms itself. So the numbers a
-- caller sees come from one implementation, and this script need only agree on "allowed" and on the charge
-- (the parity tests hold it to that).
--
-- Invariants:
--  * All or nothing: if any LIVE rule denies, nothing is written. A DRY_RUN rule that denies is reported and
--    not charged; the others are.
--  * Integer arithmetic only. Lua numbers are doubles, exact for integers below 2^53. Java keeps every input in
--    that range: times are microseconds since the epoch (~1.8e15 today), limits <= 2^53-1, amounts clamped to
--    2^53, token-bucket costs' whole micros clamped to the tolerance's + 1 (<= ~3.2e14) and their fractions
--    below the refill amount (< 3.2e13, so fraction sums stay exact). Division uses math.fmod, which is exact,
--    never math.floor(a/b), which can round up across an integer. Numbers are written with %.0f, never
--    tostring (which keeps 14 digits).
--  * A key is written only when its rule is charged, and it expires when the rule is back to full, so an idle
--    subject holds no memory. A missing key reads as a full rule.
--  * Time is this server's TIME unless Java passes a test clock's time.
--
-- KEYS: one state key per operation.
-- ARGV[1] now in micros, or "" for server TIME;  ARGV[2] 1 to charge when allowed (reserve), 0 to evaluate;
-- ARGV[3] lease id (concurrency);  ARGV[4] extra TTL in millis (test clocks only; 0 otherwise);
-- then 9 per operation: algorithm, live, amount, limit, p1 .. p5:
--   1 token bucket   p1, p2 = the charge's cost as whole micros (clamped) and a fraction in 1/refill micros;
--                    p3, p4 = the tolerance (the capacity's cost), likewise; p5 = refill, the fraction's base.
--                    State "tat:fraction": the theoretical arrival time, exact (see Algorithms).
--   2 fixed window   p1 = window micros
--   3 calendar quota p1 = period start, p2 = period end (computed by Java from this server's time)
--   4 sliding window p1 = window micros, p2 = window millis
--   5 concurrency    p1 = lease micros
-- Returns {now, 0, committed, then 4 per operation: allowed, s1, s2, s3} or, when a calendar period handed in
-- does not hold now, {now, 1} so Java recomputes the period from this time and calls again.

local MAX_LIMIT = 9007199254740991
local MAX_SLIDING_LIMIT = 9007199254740
local MAX_DEBT = 316224000000000

local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local commit = ARGV[2] == '1'
local lease_id = ARGV[3]
local slack = tonumber(ARGV[4])
local n = #KEYS

local function num(x)
  return string.format('%.0f', x)
end

local function ceil_div(a, b)
  local r = math.fmod(a, b)
  local q = (a - r) / b
  if r > 0 then q = q + 1 end
  return q
end

local function floor_start(t, window)
  return t - math.fmod(t, window)
end

-- A token bucket's arrival time after a charge of (whole, fraction): from now if the bucket is full, with the
-- fraction carried into whole micros at refill.
local function bucket_after(tat, frac, whole, fraction, refill)
  if tat < now or (tat == now and frac == 0) then tat, frac = now, 0 end
  local w, f = tat + whole, frac + fraction
  if f >= refill then w, f = w + 1, f - refill end
  return w, f
end

-- Writes a key that holds state until full_at, or deletes it if it is already full.
local function keep(key, value, full_at)
  if full_at <= now then
    redis.call('DEL', key)
  else
    redis.call('SET', key, value, 'PX', num(ceil_div(full_at - now, 1000) + slack))
  end
end

-- Pass 1: calendar periods must hold now, before anything else is read.
for i = 1, n do
  local b = 4 + (i - 1) * 9
  if ARGV[b + 1] == '3' then
    local s, e = tonumber(ARGV[b + 5]), tonumber(ARGV[b + 6])
    if now < s or now >= e then
      return {now, 1}
    end
  end
end

-- Pass 2: read and evaluate.
local out = {now, 0, 0}
local state = {}
local allowed = {}
local live_denied = false
for i = 1, n do
  local b = 4 + (i - 1) * 9
  local algo = ARGV[b + 1]
  local amount = tonumber(ARGV[b + 3])
  local limit = tonumber(ARGV[b + 4])
  local p1, p2 = tonumber(ARGV[b + 5]), tonumber(ARGV[b + 6])
  local key = KEYS[i]
  local ok
  local s1, s2, s3 = 0, 0, 0
  if algo == '1' then
    local raw = redis.call('GET', key)
    if raw then
      local t, f = string.match(raw, '^(%d+):(%d+)$')
      s1, s2 = tonumber(t), tonumber(f)
    end
    local w, f = bucket_after(s1, s2, p1, p2, tonumber(ARGV[b + 9]))
    local tw, tf = tonumber(ARGV[b + 7]), tonumber(ARGV[b + 8])
    ok = (w - now < tw) or (w - now == tw and f <= tf)
  elseif algo == '2' or algo == '3' then
    local raw = redis.call('GET', key)
    if raw then
      local e, u = string.match(raw, '^(%d+):(%d+)$')
      s1, s2 = tonumber(e), tonumber(u)
    end
    local e
    if algo == '2' then e = floor_start(now, p1) + p1 else e = p2 end
    local used = 0
    if s1 == e then used = s2 end
    ok = used + amount <= limit
  elseif algo == '4' then
    local raw = redis.call('GET', key)
    if raw then
      local st, c, p = string.match(raw, '^(%d+):(%d+):(%d+)$')
      s1, s2, s3 = tonumber(st), tonumber(c), tonumber(p)
    end
    local start = floor_start(now, p1)
    local current, previous = 0, 0
    if s1 == start then
      current, previous = s2, s3
    elseif s1 == start - p1 then
      previous = s2
    end
    local weight = ceil_div(p1 - (now - start), p2)
    local estimate = ceil_div(previous * weight, 1000) + current
    ok = estimate + amount <= limit
  else
    -- Concurrency: a hash of lease id -> "expiry:weight". Expired leases are dropped as they are met.
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
  end
  allowed[i] = ok
  state[i] = {s1, s2, s3}
  if not ok and ARGV[b + 2] == '1' then live_denied = true end
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
    local b = 4 + (i - 1) * 9
    local algo = ARGV[b + 1]
    local amount = tonumber(ARGV[b + 3])
    local p1, p2 = tonumber(ARGV[b + 5]), tonumber(ARGV[b + 6])
    local key = KEYS[i]
    local s = state[i]
    if algo == '1' then
      local w, f = bucket_after(s[1], s[2], p1, p2, tonumber(ARGV[b + 9]))
      if w - now >= MAX_DEBT then w, f = now + MAX_DEBT, 0 end
      local full_at = w
      if f > 0 then full_at = w + 1 end
      keep(key, num(w) .. ':' .. num(f), full_at)
    elseif algo == '2' or algo == '3' then
      local e
      if algo == '2' then e = floor_start(now, p1) + p1 else e = p2 end
      local used = 0
      if s[1] == e then used = s[2] end
      used = math.min(used + amount, MAX_LIMIT)
      if used > 0 then keep(key, num(e) .. ':' .. num(used), e) end
    elseif algo == '4' then
      local start = floor_start(now, p1)
      local current, previous = 0, 0
      if s[1] == start then
        current, previous = s[2], s[3]
      elseif s[1] == start - p1 then
        previous = s[2]
      end
      current = math.min(current + amount, MAX_SLIDING_LIMIT)
      local full_at = start + p1
      if current > 0 then full_at = start + 2 * p1 end
      if current > 0 or previous > 0 then
        keep(key, num(start) .. ':' .. num(current) .. ':' .. num(previous), full_at)
      end
    else
      if amount > 0 then
        local expiry = now + p1
        redis.call('HSET', key, lease_id, num(expiry) .. ':' .. num(amount))
        local latest = math.max(s[3], expiry)
        redis.call('PEXPIRE', key, num(ceil_div(latest - now, 1000) + slack))
      end
    end
  end
end
out[3] = 1
return out
