-- Tollgate: settle or release one reservation's rules on one slot, atomically.
--
-- The Redis half of dev.tollgate.internal.Algorithms.correct. Each rule moves from its estimate to its actual
-- amount: a surplus is refunded only to the window it was charged in, if that window is still counted; extra
-- usage is charged now, as debt, past the limit if need be; concurrency leases end. Same number rules as
-- apply.lua: integers below 2^53, math.fmod for division, %.0f for writing; keys expire once full.
--
-- KEYS: one state key per correction.
-- ARGV[1] now in micros, or "" for server TIME;  ARGV[2] lease id;  ARGV[3] extra TTL millis;
-- then 5 per correction: algorithm, diff (actual - estimated, in units; for a token bucket its sign), p1, p2, p3:
--   1 token bucket   p1, p2 = the difference's cost as whole micros and a fraction in 1/refill micros; p3 = refill
--   2 fixed window   p1 = window micros, p2 = end of the window the reservation was charged in
--   3 calendar quota p1 = period start, p2 = period end (from this server's time), p3 = end of the charged period
--   4 sliding window p1 = window micros, p2 = start of the window the reservation was charged in
--   5 concurrency    -
-- Returns {now, 0}, or {now, 1} when a calendar period handed in does not hold now (Java recomputes, calls again).

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
local lease_id = ARGV[2]
local slack = tonumber(ARGV[3])
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

local function keep(key, value, full_at)
  if full_at <= now then
    redis.call('DEL', key)
  else
    redis.call('SET', key, value, 'PX', num(ceil_div(full_at - now, 1000) + slack))
  end
end

for i = 1, n do
  local b = 3 + (i - 1) * 5
  if ARGV[b + 1] == '3' then
    local s, e = tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])
    if now < s or now >= e then
      return {now, 1}
    end
  end
end

for i = 1, n do
  local b = 3 + (i - 1) * 5
  local algo = ARGV[b + 1]
  local diff = tonumber(ARGV[b + 2])
  local p1, p2, p3 = tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4]), tonumber(ARGV[b + 5])
  local key = KEYS[i]
  if algo == '1' then
    local raw = redis.call('GET', key)
    local tat, frac = 0, 0
    if raw then
      local t, f = string.match(raw, '^(%d+):(%d+)$')
      tat, frac = tonumber(t), tonumber(f)
    end
    local full = tat < now or (tat == now and frac == 0)
    local w, f
    if diff > 0 then
      if full then tat, frac = now, 0 end
      w, f = tat + p1, frac + p2
      if f >= p3 then w, f = w + 1, f - p3 end
      if w - now >= MAX_DEBT then w, f = now + MAX_DEBT, 0 end
    elseif diff < 0 and not full then
      -- A refund never makes the bucket fuller than full.
      w, f = tat - p1, frac - p2
      if f < 0 then w, f = w - 1, f + p3 end
      if w < now then w, f = now, 0 end
    end
    if w then
      local full_at = w
      if f > 0 then full_at = w + 1 end
      keep(key, num(w) .. ':' .. num(f), full_at)
    end
  elseif algo == '2' or algo == '3' then
    local e, charged_end
    if algo == '2' then
      e = now - math.fmod(now, p1) + p1
      charged_end = p2
    else
      e = p2
      charged_end = p3
    end
    local used = 0
    local raw = redis.call('GET', key)
    if raw then
      local se, su = string.match(raw, '^(%d+):(%d+)$')
      if tonumber(se) == e then used = tonumber(su) end
    end
    local changed = false
    if diff > 0 then
      used = math.min(used + diff, MAX_LIMIT)
      changed = true
    elseif diff < 0 and charged_end == e then
      used = math.max(used + diff, 0)
      changed = true
    end
    if changed then
      if used > 0 then keep(key, num(e) .. ':' .. num(used), e) else redis.call('DEL', key) end
    end
  elseif algo == '4' then
    local start = now - math.fmod(now, p1)
    local s1, s2, s3 = 0, 0, 0
    local raw = redis.call('GET', key)
    if raw then
      local st, c, p = string.match(raw, '^(%d+):(%d+):(%d+)$')
      s1, s2, s3 = tonumber(st), tonumber(c), tonumber(p)
    end
    local current, previous = 0, 0
    if s1 == start then
      current, previous = s2, s3
    elseif s1 == start - p1 then
      previous = s2
    end
    local changed = true
    if diff > 0 then
      current = math.min(current + diff, MAX_SLIDING_LIMIT)
    elseif diff < 0 and p2 == start then
      current = math.max(current + diff, 0)
    elseif diff < 0 and p2 == start - p1 then
      previous = math.max(previous + diff, 0)
    else
      changed = false
    end
    if changed then
      if current > 0 then
        keep(key, num(start) .. ':' .. num(current) .. ':' .. num(previous), start + 2 * p1)
      elseif previous > 0 then
        keep(key, num(start) .. ':' .. num(current) .. ':' .. num(previous), start + p1)
      else
        redis.call('DEL', key)
      end
    end
  else
    redis.call('HDEL', key, lease_id)
  end
end
return {now, 0}
