-- Tollgate: the part that apply.lua and adjust.lua share. RedisStore prepends it to each script when it loads
-- them, so the two scripts read time, parse and write state, and expire hashes the one same way.
--
-- Layout: one hash per scope entity, KEYS[i] = prefix:{scope:entity}, whose fields are that entity's rule states
-- (field name = Limit.stateName()), plus the field 'x': the time (micros, in this script's clock) the hash is
-- set to expire at. A concurrency rule keeps its own hash of leases at prefix:{scope:entity}:stateName (a lease
-- table does not fit in one field); the hash tag puts both on one slot.
--
-- Invariants:
--  * Integer arithmetic only. Lua numbers are doubles, exact for integers below 2^53; Java keeps every input in
--    that range (see docs/redis.md, Numbers). Division uses math.fmod, which is exact, never math.floor(a/b),
--    which can round up across an integer. Text numbers are written with %.0f, never tostring (14 digits).
--  * Values are the state layouts of Algorithms, packed as little-endian doubles with struct.pack ("tat,
--    fraction" is 16 bytes): one C call reads or writes a whole state, no text is parsed, and a double holds
--    every integer below 2^53 exactly. Field 'x' is text (%.0f), for operators reading the hash. A missing
--    field reads as a full rule (all zeros).
--  * Helpers are few: Redis runs the whole script, prelude included, on every call, and each function
--    defined, table built or C function called costs tens of nanoseconds of the server's one thread.
--  * A field is written only when its rule is charged; a field whose rule is full again is deleted. The hash
--    expires at 'x', the first whole second after the latest full time any of its fields was written with, so
--    an idle entity holds no memory; 'x' moves only forward, so PEXPIRE runs about once a second per busy
--    hash, not once per decision.
--  * Time is this server's TIME unless Java passes a test clock's time.
--
-- ARGV[1] now in micros, or "" for server TIME;  ARGV[2] extra TTL in millis (test clocks only; 0 otherwise);
-- ARGV[3] lease id (concurrency). Each script's own arguments follow: per operation two, its field and its
-- numbers packed as little-endian doubles (one struct.unpack, no text to parse).

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
local lease_id = ARGV[3]
local n = #KEYS

-- Milliseconds from now until time t (micros), plus the test clocks' slack: a PEXPIRE argument.
local function ttl(t)
  local d = t - now
  local r = math.fmod(d, 1000)
  d = (d - r) / 1000
  if r > 0 then d = d + 1 end
  return string.format('%.0f', d + tonumber(ARGV[2]))
end

local function ceil_div(a, b)
  local r = math.fmod(a, b)
  local q = (a - r) / b
  if r > 0 then q = q + 1 end
  return q
end

-- A sliding window's (current, previous) counts at the window starting at start, from state (s1 start, s2, s3).
local function roll(s1, s2, s3, start, window)
  if s1 == start then return s2, s3 end
  if s1 == start - window then return 0, s2 end
  return 0, 0
end

-- Hashes touched by this script, by key: the fields to read, then the fields to write and delete.
local hashes = {}
local touched = {}

-- Reads, for every operation i, the field ARGV[base + (i-1)*stride + 1] of KEYS[i] (none for concurrency, whose
-- field is ''), with one HMGET per hash (its 'x' included). Returns raw[i]: the stored value, or false.
local function read_fields(base, stride)
  local raw = {}
  for i = 1, n do
    local b = base + (i - 1) * stride
    if ARGV[b + 1] ~= '' then
      local key = KEYS[i]
      local h = hashes[key]
      if not h then
        h = {fields = {'x'}, ops = {}, set = {}, full = 0}
        hashes[key] = h
        touched[#touched + 1] = key
      end
      h.fields[#h.fields + 1] = ARGV[b + 1]
      h.ops[#h.ops + 1] = i
    end
  end
  for k = 1, #touched do
    local h = hashes[touched[k]]
    local v = redis.call('HMGET', touched[k], unpack(h.fields))
    h.x = tonumber(v[1])
    for j = 1, #h.ops do
      raw[h.ops[j]] = v[j + 1]
    end
  end
  return raw
end

-- Stages field f of KEYS[i]: its new value, kept until full_at, or its deletion if it is full already (and was
-- stored at all).
local function keep(i, f, value, full_at, stored)
  local h = hashes[KEYS[i]]
  if full_at <= now then
    if stored then
      if not h.del then h.del = {} end
      h.del[#h.del + 1] = f
    end
  else
    h.set[#h.set + 1] = f
    h.set[#h.set + 1] = value
    if full_at > h.full then h.full = full_at end
  end
end

-- Writes what keep staged: one HSET and one HDEL per hash at most, and a PEXPIRE when the expiry moves forward.
local function flush()
  for k = 1, #touched do
    local key = touched[k]
    local h = hashes[key]
    local set = h.set
    if #set > 0 then
      if not h.x or h.full > h.x then
        local x = h.full - math.fmod(h.full, 1000000) + 1000000
        set[#set + 1] = 'x'
        set[#set + 1] = string.format('%.0f', x)
        redis.call('HSET', key, unpack(set))
        redis.call('PEXPIRE', key, ttl(x))
      elseif #set == 2 then
        redis.call('HSET', key, set[1], set[2])
      else
        redis.call('HSET', key, unpack(set))
      end
    end
    if h.del then
      redis.call('HDEL', key, unpack(h.del))
    end
  end
end
