-- Tollgate: the part that apply.lua and adjust.lua share. RedisStore prepends it to each script when it loads
-- them, so the two scripts read time, read and write an entity's rule states, and expire them the one same way.
--
-- Layout: one STRING per scope entity, KEYS[k] = prefix:{scope:entity}:rules, holding all of that entity's rule
-- states: 8 bytes x, then one record per rule: its name (Limit.stateName(), one length byte then the bytes) and
-- its state, three little-endian doubles (the state layouts of Algorithms, zero-padded: "tat, fraction, 0").
-- x (micros, in this script's clock) is when the key expires: the first whole second after the latest time any
-- record written to it is full again. A concurrency rule keeps its own hash of leases at
-- prefix:{scope:entity}:stateName (a lease table does not fit in a record); the hash tag puts both on one slot.
--
-- Why one string and not a hash: a read is one GET (MGET for several entities) and a write one SET that also sets
-- the expiry when it must move (SET .. PX), so a new entity costs no separate PEXPIRE; and GET/SET cost Redis less
-- than HMGET/HSET. Different plans may put different rules on one entity (a team quota shared by several plans),
-- so a write keeps every record this decision did not charge, byte for byte.
--
-- Invariants:
--  * Integer arithmetic only. Lua numbers are doubles, exact for integers below 2^53; Java keeps every input in
--    that range (see docs/redis.md, Numbers). Division uses math.fmod, which is exact, never math.floor(a/b),
--    which can round up across an integer. Numbers travel packed as doubles (struct), never as text.
--  * Few calls: Redis runs the whole script, prelude included, on every call; each redis.call costs it 1-2 µs
--    and each C function called, table built or function defined tens to hundreds of nanoseconds. So one
--    struct.unpack reads an argument or a record whole (the first record with the entity's expiry), one table
--    holds a decision's bookkeeping, and a decision is TIME, one GET and one write.
--  * A record is written only when its rule is charged, and dropped when its rule is full again; a key with no
--    record left is deleted. x only moves forward, to a whole second, so the TTL is reset (SET .. PX) about
--    once a second per busy key and kept otherwise (SETRANGE in place when the records keep their size, else
--    SET .. KEEPTTL; either costs Redis ~1 µs less). A missing record or key reads as a full rule (all zeros).
--  * Time is this server's TIME unless Java passes a test clock's time.
--
-- ARGV[1]: 4 packed doubles: commit (apply: 1 to charge when allowed; adjust: unused), now in micros or -1 for
-- server TIME, extra TTL in millis (test clocks only; 0 otherwise), m: KEYS[1..m] are entity strings, the rest
-- lease hashes. ARGV[1 + i], one per operation: its name (one length byte, then the bytes: the rule's state name,
-- or for a concurrency rule the lease id) and then the script's packed doubles, the last one its key's index.

local commit, now, slack, m = struct.unpack('<dddd', ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = t[1] * 1000000 + t[2]
end
local n = #ARGV - 1

local MAX_LIMIT = 9007199254740991
local MAX_SLIDING_LIMIT = 9007199254740
local MAX_DEBT = 316224000000000

-- v1: KEYS[1]'s stored value, or false: the one entity of most decisions, which then needs no table. val[k]: entity
-- k's value, only when there are several (m > 1). x1: KEYS[1]'s expiry, read with its first record (nil until
-- then), so that the common write needs no struct.unpack of its own.
local v1, val, x1
if m == 1 then
  v1 = redis.call('GET', KEYS[1])
elseif m > 1 then
  val = redis.call('MGET', unpack(KEYS, 1, m))
  v1 = val[1]
end

-- One table for every operation's bookkeeping, 4 slots per operation i from b = 4 * (i - 1): b + 1 its key's index,
-- b + 2 where its record starts in that value (0: it has none), b + 3 its new record (a string; false to drop it,
-- its rule being full again; nil: not written), b + 4 when that record is full again. One table rather than one
-- per field: each table costs Redis an allocation or two and a collection. Built with room for one operation, the
-- common decision, or for three: a table that fills past its size is rehashed and grown, each time. The scripts
-- look a record up inline (struct.unpack '<Bc0ddd' from byte 9 on): a helper function would be created anew on
-- every call.
local o
if n > 1 then o = {0, 0, nil, 0, 0, 0, nil, 0, 0, 0, nil, 0} else o = {0, 0, nil, 0} end

-- Stores entity k's records (body), which are full again at latest, over its value v (or false) whose expiry is x
-- (nil: not read yet), with the expiry rule above: a DEL if no record is left, nothing if body is nil (no record
-- of k was written). While x need not move and the records fill the value exactly as before (a busy key's usual
-- write), SETRANGE overwrites them in place after x: it keeps the TTL and costs Redis less than a SET (no new
-- value, no x to prepend, an integer reply rather than a status table). The offset is a string: Redis renders a
-- Lua number argument with snprintf('%.17g'), some 2,000 instructions.
local function put(k, v, x, now, slack, body, latest)
  if body == nil then return end
  if body == '' then
    if v then redis.call('DEL', KEYS[k]) end
    return
  end
  if not v then
    x = 0
  elseif not x then
    x = struct.unpack('<d', v)
  end
  if latest > x then
    -- The TTL moves forward, to the whole second after the latest full time: about once a second per busy key.
    x = latest - math.fmod(latest, 1000000) + 1000000
    local d = x - now
    local r = math.fmod(d, 1000)
    d = (d - r) / 1000
    if r > 0 then d = d + 1 end
    redis.call('SET', KEYS[k], struct.pack('<dc0', x, body), 'PX', d + slack)
  elseif #v == 8 + #body then
    redis.call('SETRANGE', KEYS[k], '8', body)
  else
    redis.call('SET', KEYS[k], struct.pack('<dc0', x, body), 'KEEPTTL')
  end
end

-- Entity k's new records when an operation on it wrote a record (nil otherwise), for put: its stored records in
-- order, each replaced by the record of the operation that rewrote it (or dropped), then the records of rules it
-- did not hold yet; and when the latest of the written ones is full again. Of two operations on one rule (the
-- Store SPI allows it), the later one wins. Everything comes in as parameters and goes out as results: a
-- function that captured locals (these, or put) as upvalues would cost Redis some 3,000 instructions to create
-- on every call, used or not.
local function merge(k, v, n, o)
  local dirty = false
  for b = 0, 4 * n - 4, 4 do
    if o[b + 1] == k and o[b + 3] ~= nil then dirty = true break end
  end
  if not dirty then return nil end
  local body, latest = '', 0
  if v then
    local pos, len = 9, #v
    while pos <= len do
      local nxt = pos + 25 + string.byte(v, pos)
      local j = -1
      for b = 0, 4 * n - 4, 4 do
        if o[b + 1] == k and o[b + 2] == pos and o[b + 3] ~= nil then j = b end
      end
      if j < 0 then
        body = body .. string.sub(v, pos, nxt - 1)
      elseif o[j + 3] then
        body = body .. o[j + 3]
        if o[j + 4] > latest then latest = o[j + 4] end
      end
      pos = nxt
    end
  end
  for i = 1, n do
    local b = 4 * i - 4
    if o[b + 1] == k and o[b + 3] and o[b + 2] == 0 then
      local later = false
      for j = i + 1, n do
        local c = 4 * j - 4
        if o[c + 1] == k and o[c + 3] ~= nil and o[c + 2] == 0 and struct.unpack('<Bc0', ARGV[j + 1]) ==
            struct.unpack('<Bc0', ARGV[i + 1]) then
          later = true
        end
      end
      if not later then
        body = body .. o[b + 3]
        if o[b + 4] > latest then latest = o[b + 4] end
      end
    end
  end
  return body, latest
end
