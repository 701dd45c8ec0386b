-- Tollgate: evaluate, and if allowed charge, every rule of one decision on one slot, atomically.
-- (prelude.lua comes first: time, number rules, the entity layout and its expiry.)
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
-- KEYS: the decision's entity strings (KEYS[1..m]), then its lease hashes (concurrency).
-- ARGV[1] as in the prelude; then one per operation: its name, then 10 packed doubles: algorithm, live, amount,
-- limit, p1 .. p5, key index:
--   1 token bucket   p1, p2 = the charge's cost as whole micros (clamped) and a fraction in 1/refill micros;
--                    p3, p4 = the tolerance (the capacity's cost), likewise; p5 = refill, the fraction's base.
--                    State (tat, fraction): the theoretical arrival time, exact (see Algorithms).
--   2 fixed window   p1 = window micros                                              state (windowEnd, used)
--   3 calendar quota p1 = period start, p2 = period end (computed by Java from this server's time)
--                                                                                    state (periodEnd, used)
--   4 sliding window p1 = window micros, p2 = window millis            state (currentStart, current, previous)
--   5 concurrency    p1 = lease micros; its name is the lease id     lease hash: lease id -> "expiry:weight"
--                                                                    (text, as before: leases survive upgrades)
-- Returns packed doubles: now, 0, committed, then 4 per operation: allowed, s1, s2, s3; or, when a calendar
-- period handed in does not hold now, now, 1 so Java recomputes the period from this time and calls again.
-- (Before that answer the script may have dropped expired leases: a clean-up that changes no decision.)
-- One packed string costs Redis and Lettuce less than an array of integers.

-- The answer: now, 0, committed, then allowed, s1, s2, s3 per operation. One operation's (the common decision)
-- stays in locals; several are laid out in a table as they are packed, built with room for three.
local committed, a1, t1, t2, t3 = 0
local out
if n > 1 then out = {now, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} end
local live_denied = false
local lease -- lease[i] = {lease id, expiry, weight}: a concurrency operation's lease, written if the call is charged
for i = 1, n do
  local f, algo, live, amount, limit, p1, p2, p3, p4, p5, k = struct.unpack('<Bc0dddddddddd', ARGV[i + 1])
  local b = 4 * i - 4
  o[b + 1] = k
  o[b + 2] = 0
  local ok
  local s1, s2, s3 = 0, 0, 0
  if algo ~= 5 then
    local v = v1
    if k ~= 1 then v = val[k] end
    if v then
      local pos, len = 9, #v
      while pos <= len do
        local name, r1, r2, r3, nxt
        if pos == 9 and k == 1 and not x1 then
          -- The entity's expiry comes with its first record: put needs it, and one call reads both.
          x1, name, r1, r2, r3, nxt = struct.unpack('<dBc0ddd', v)
        else
          name, r1, r2, r3, nxt = struct.unpack('<Bc0ddd', v, pos)
        end
        if name == f then
          s1, s2, s3, o[b + 2] = r1, r2, r3, pos
          break
        end
        pos = nxt
      end
    end
  end
  if algo == 1 then
    -- The arrival time after the charge: from now if the bucket is full, the fraction carried at refill.
    local w, fr = s1, s2
    if w < now or (w == now and fr == 0) then w, fr = now, 0 end
    w, fr = w + p1, fr + p2
    if fr >= p5 then w, fr = w + 1, fr - p5 end
    ok = (w - now < p3) or (w - now == p3 and fr <= p4)
    if ok then
      if w - now >= MAX_DEBT then w, fr = now + MAX_DEBT, 0 end
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
    local e
    if algo == 2 then
      e = now - math.fmod(now, p1) + p1
    else
      if now < p1 or now >= p2 then return struct.pack('<dd', now, 1) end
      e = p2
    end
    local used = 0
    if s1 == e then used = s2 end
    ok = used + amount <= limit
    if ok then
      used = math.min(used + amount, MAX_LIMIT)
      if used > 0 then
        o[b + 3] = struct.pack('<Bc0ddd', #f, f, e, used, 0)
        o[b + 4] = e
      else
        o[b + 3] = false
      end
    end
  elseif algo == 4 then
    -- The sliding-window estimate: ceil(previous * weight / 1000) + current, weight = ceil(rest / window millis).
    local start = now - math.fmod(now, p1)
    local current, previous = 0, 0
    if s1 == start then
      current, previous = s2, s3
    elseif s1 == start - p1 then
      previous = s2
    end
    local weight = p1 - (now - start)
    local r = math.fmod(weight, p2)
    weight = (weight - r) / p2
    if r > 0 then weight = weight + 1 end
    local estimate = previous * weight
    r = math.fmod(estimate, 1000)
    estimate = (estimate - r) / 1000
    if r > 0 then estimate = estimate + 1 end
    ok = estimate + current + amount <= limit
    if ok then
      current = math.min(current + amount, MAX_SLIDING_LIMIT)
      if current > 0 or previous > 0 then
        o[b + 3] = struct.pack('<Bc0ddd', #f, f, start, current, previous)
        if current > 0 then o[b + 4] = start + 2 * p1 else o[b + 4] = start + p1 end
      else
        o[b + 3] = false
      end
    end
  else
    -- Concurrency: a hash of lease id -> "expiry:weight". Expired leases are dropped as they are met.
    local lk = KEYS[k]
    local flat = redis.call('HGETALL', lk)
    local earliest, latest = 0, 0
    for j = 1, #flat, 2 do
      local e, w = string.match(flat[j + 1], '^(%d+):(%d+)$')
      e, w = tonumber(e), tonumber(w)
      if e <= now then
        redis.call('HDEL', lk, flat[j])
      else
        s1 = s1 + w
        if earliest == 0 or e < earliest then earliest = e end
        if e > latest then latest = e end
      end
    end
    s2, s3 = earliest, latest
    ok = s1 + amount <= limit
    if ok and amount > 0 then
      if not lease then lease = {} end
      lease[i] = {f, now + p1, amount, latest}
    end
  end
  if not ok and live == 1 then live_denied = true end
  if n == 1 then
    a1, t1, t2, t3 = ok and 1 or 0, s1, s2, s3
  else
    local j = 4 * i
    out[j], out[j + 1], out[j + 2], out[j + 3] = ok and 1 or 0, s1, s2, s3
  end
end

if commit == 1 and not live_denied then
  -- Pass 2: charge every rule that allowed: one write per entity, then the leases.
  -- The common case: one entity whose stored records are exactly this decision's rules, in order (a user's
  -- plan), or a new entity with one rule. Then the new value is x and the new records (body), with none of
  -- merge()'s loops and copies.
  local body = m == 1 and o[1] == 1 and o[3]
  local latest = o[4]
  if body and n == 1 then
    if v1 and (o[2] ~= 9 or #v1 ~= 8 + #body) then body = false end
  elseif body then
    if v1 then
      local pos = 9
      for i = 2, n do
        local b = 4 * i - 4
        local r = o[b + 3]
        if o[b + 1] ~= 1 or o[b + 2] ~= pos + #body or not r then
          body = false
          break
        end
        body = body .. r
        if o[b + 4] > latest then latest = o[b + 4] end
      end
      if body and (o[2] ~= 9 or #v1 ~= 8 + #body) then body = false end
    else
      body = false
    end
  end
  if body then
    put(1, v1, x1, now, slack, body, latest)
  elseif m == 1 then
    put(1, v1, x1, now, slack, merge(1, v1, n, o))
  else
    for k = 1, m do
      local x
      if k == 1 then x = x1 end
      put(k, val[k], x, now, slack, merge(k, val[k], n, o))
    end
  end
  if lease then
    for i, l in pairs(lease) do
      local lk = KEYS[o[4 * i - 3]]
      redis.call('HSET', lk, l[1], string.format('%.0f:%.0f', l[2], l[3]))
      -- The lease hash lives until its last lease ends, in whole milliseconds.
      local d = math.max(l[2], l[4]) - now
      local r = math.fmod(d, 1000)
      d = (d - r) / 1000
      if r > 0 then d = d + 1 end
      redis.call('PEXPIRE', lk, d + slack)
    end
  end
  committed = 1
end
if n == 1 then
  return struct.pack('<ddddddd', now, 0, committed, a1, t1, t2, t3)
elseif n == 0 then
  return struct.pack('<ddd', now, 0, committed)
end
out[3] = committed
return struct.pack('<ddd' .. string.rep('dddd', n), unpack(out))
