-- Tollgate: settle or release one reservation's rules on one slot, atomically.
-- (prelude.lua comes first: time, number rules, the entity layout and its expiry.)
--
-- The Redis half of dev.tollgate.internal.Algorithms.correct. Each rule moves from its estimate to its actual
-- amount: a surplus is refunded only to the window it was charged in, if that window is still counted; extra
-- usage is charged now, as debt, past the limit if need be; concurrency leases end.
--
-- KEYS: the corrections' entity strings (KEYS[1..m]), then their lease hashes (concurrency).
-- ARGV[1] as in the prelude (its commit unused); then one per correction: its name (for concurrency, the lease
-- id), then 6 packed doubles: algorithm, diff (actual - estimated, in units; for a token bucket its sign), p1,
-- p2, p3, key index:
--   1 token bucket   p1, p2 = the difference's cost as whole micros and a fraction in 1/refill micros; p3 = refill
--   2 fixed window   p1 = window micros, p2 = end of the window the reservation was charged in
--   3 calendar quota p1 = period start, p2 = period end (from this server's time), p3 = end of the charged period
--   4 sliding window p1 = window micros, p2 = start of the window the reservation was charged in
--   5 concurrency    -
-- Returns packed doubles now, 0; or now, 1 when a calendar period handed in does not hold now (Java recomputes,
-- calls again) and then nothing has been written.

-- Calendar periods must hold now before anything is written.
for i = 1, n do
  local f, algo, diff, p1, p2 = struct.unpack('<Bc0ddddd', ARGV[i + 1])
  if algo == 3 and (now < p1 or now >= p2) then
    return struct.pack('<dd', now, 1)
  end
end

for i = 1, n do
  local f, algo, diff, p1, p2, p3, k = struct.unpack('<Bc0dddddd', ARGV[i + 1])
  local b = 4 * i - 4
  o[b + 1] = k
  o[b + 2] = 0
  local s1, s2, s3 = 0, 0, 0
  if algo ~= 5 then
    local v = v1
    if k ~= 1 then v = val[k] end
    if v then
      local pos, len = 9, #v
      while pos <= len do
        local name, r1, r2, r3, nxt = struct.unpack('<Bc0ddd', v, pos)
        if name == f then
          s1, s2, s3, o[b + 2] = r1, r2, r3, pos
          break
        end
        pos = nxt
      end
    end
  end
  if algo == 1 then
    local tat, frac = s1, s2
    local full_now = tat < now or (tat == now and frac == 0)
    local w, fr
    if diff > 0 then
      if full_now then tat, frac = now, 0 end
      w, fr = tat + p1, frac + p2
      if fr >= p3 then w, fr = w + 1, fr - p3 end
      if w - now >= MAX_DEBT then w, fr = now + MAX_DEBT, 0 end
    elseif diff < 0 and not full_now then
      -- A refund never makes the bucket fuller than full.
      w, fr = tat - p1, frac - p2
      if fr < 0 then w, fr = w - 1, fr + p3 end
      if w < now then w, fr = now, 0 end
    end
    if w then
      local fa = w
      if fr > 0 then fa = w + 1 end
      if fa > now then
        o[b + 3] = struct.pack('<Bc0ddd', #f, f, w, fr, 0)
        o[b + 4] = fa
      else
        o[b + 3] = false
      end
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
    if s1 == e then used = s2 end
    local changed = false
    if diff > 0 then
      used = math.min(used + diff, MAX_LIMIT)
      changed = true
    elseif diff < 0 and charged_end == e then
      used = math.max(used + diff, 0)
      changed = true
    end
    if changed then
      if used > 0 then
        o[b + 3] = struct.pack('<Bc0ddd', #f, f, e, used, 0)
        o[b + 4] = e
      else
        o[b + 3] = false
      end
    end
  elseif algo == 4 then
    local start = now - math.fmod(now, p1)
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
        o[b + 3] = struct.pack('<Bc0ddd', #f, f, start, current, previous)
        o[b + 4] = start + 2 * p1
      elseif previous > 0 then
        o[b + 3] = struct.pack('<Bc0ddd', #f, f, start, current, previous)
        o[b + 4] = start + p1
      else
        o[b + 3] = false
      end
    end
  else
    redis.call('HDEL', KEYS[k], f)
  end
end
if m == 1 then
  put(1, v1, nil, now, slack, merge(1, v1, n, o))
else
  for k = 1, m do
    put(k, val[k], nil, now, slack, merge(k, val[k], n, o))
  end
end
return struct.pack('<dd', now, 0)
