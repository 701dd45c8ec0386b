-- Tollgate: settle or release one reservation's rules on one slot, atomically.
-- (prelude.lua comes first: time, number rules, the hash layout and its expiry.)
--
-- The Redis half of dev.tollgate.internal.Algorithms.correct. Each rule moves from its estimate to its actual
-- amount: a surplus is refunded only to the window it was charged in, if that window is still counted; extra
-- usage is charged now, as debt, past the limit if need be; concurrency leases end.
--
-- KEYS: per correction, its entity's hash (its lease hash for concurrency).
-- ARGV[1..3] as in the prelude; then 2 per correction: its field ('' for concurrency), then 5 packed doubles:
-- algorithm, diff (actual - estimated, in units; for a token bucket its sign), p1, p2, p3:
--   1 token bucket   p1, p2 = the difference's cost as whole micros and a fraction in 1/refill micros; p3 = refill
--   2 fixed window   p1 = window micros, p2 = end of the window the reservation was charged in
--   3 calendar quota p1 = period start, p2 = period end (from this server's time), p3 = end of the charged period
--   4 sliding window p1 = window micros, p2 = start of the window the reservation was charged in
--   5 concurrency    -
-- Returns {now, 0}, or {now, 1} when a calendar period handed in does not hold now (Java recomputes, calls again).

-- Calendar periods must hold now before anything is written.
for i = 1, n do
  local algo, diff, p1, p2 = struct.unpack('<d<d<d<d', ARGV[3 + (i - 1) * 2 + 2])
  if algo == 3 and (now < p1 or now >= p2) then
    return {now, 1}
  end
end

local raw = read_fields(3, 2)

for i = 1, n do
  local b = 3 + (i - 1) * 2
  local f = ARGV[b + 1]
  local algo, diff, p1, p2, p3 = struct.unpack('<d<d<d<d<d', ARGV[b + 2])
  local r = raw[i]
  if algo == 1 then
    local tat, frac = 0, 0
    if r then tat, frac = struct.unpack('<d<d', r) end
    local full = tat < now or (tat == now and frac == 0)
    local w, fr
    if diff > 0 then
      if full then tat, frac = now, 0 end
      w, fr = tat + p1, frac + p2
      if fr >= p3 then w, fr = w + 1, fr - p3 end
      if w - now >= MAX_DEBT then w, fr = now + MAX_DEBT, 0 end
    elseif diff < 0 and not full then
      -- A refund never makes the bucket fuller than full.
      w, fr = tat - p1, frac - p2
      if fr < 0 then w, fr = w - 1, fr + p3 end
      if w < now then w, fr = now, 0 end
    end
    if w then
      local full_at = w
      if fr > 0 then full_at = w + 1 end
      keep(i, f, struct.pack('<d<d', w, fr), full_at, r)
    end
  elseif algo == 2 or algo == 3 then
    local e, charged_end
    if algo == 2 then
      e = now - math.fmod(now, p1) + p1
      charged_end = p2
    else
      e = p2
      charged_end = p3
    end
    local used = 0
    if r then
      local se, su = struct.unpack('<d<d', r)
      if se == e then used = su end
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
      if used > 0 then keep(i, f, struct.pack('<d<d', e, used), e, r) else keep(i, f, '', now, r) end
    end
  elseif algo == 4 then
    local start = now - math.fmod(now, p1)
    local s1, s2, s3 = 0, 0, 0
    if r then s1, s2, s3 = struct.unpack('<d<d<d', r) end
    local current, previous = roll(s1, s2, s3, start, p1)
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
      local full_at = now
      if current > 0 then
        full_at = start + 2 * p1
      elseif previous > 0 then
        full_at = start + p1
      end
      keep(i, f, struct.pack('<d<d<d', start, current, previous), full_at, r)
    end
  else
    redis.call('HDEL', KEYS[i], lease_id)
  end
end
flush()
return {now, 0}
