"""The Lua scripts of the Redis session store (app/state/redis_sessions.py); each runs atomically.

Every script takes KEYS = [session hash, session messages list, sessions index, stats hash]
and ARGV = [session id, now, ttl seconds, max sessions, session key prefix, ...].
"""

from __future__ import annotations

# The session's first_index, reset to 0 when it is not a whole number (written by another tool
# or by hand): left so, HINCRBY refused every later turn and the session kept none again. Its
# ratings keep their numbers; indexes the client saw before may name other messages after it.
_FIRST_INDEX = """
local function first_index()
  local raw = redis.call('HGET', KEYS[1], 'first_index')
  if not raw then return 0 end
  if string.match(raw, '^%d+$') and #raw <= 15 then return tonumber(raw) end
  redis.call('HSET', KEYS[1], 'first_index', 0)
  return 0
end
"""

# Make the session if it is not there: forget index entries past their TTL (Redis has expired
# their keys), evict the least recently active sessions until one more fits, then create it.
# Both removals are counted in the stats hash. Returns whether it was created, how many
# sessions were evicted and how many expired ones were forgotten.
_ADMIT = (
    _FIRST_INDEX
    + """
local function admit()
  if redis.call('EXISTS', KEYS[1]) == 1 then return false, 0, 0 end
  local now, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
  local expired = redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - ttl)
  local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[4]) + 1
  local evicted = {}
  if excess > 0 then
    evicted = redis.call('ZRANGE', KEYS[3], 0, excess - 1)
    for _, old in ipairs(evicted) do
      redis.call('DEL', ARGV[5] .. old, ARGV[5] .. old .. ':messages')
    end
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, excess - 1)
    redis.call('HINCRBY', KEYS[4], 'evictions', #evicted)
  end
  if expired > 0 then redis.call('HINCRBY', KEYS[4], 'expiries', expired) end
  redis.call('HSET', KEYS[1], 'created', ARGV[2], 'last_active', ARGV[2], 'first_index', 0)
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('ZADD', KEYS[3], now, ARGV[1])
  return true, #evicted, expired
end

local function touch()
  redis.call('HSET', KEYS[1], 'last_active', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
end
"""
)

# Open a session for a turn: returns {1, messages, 0, 0} for a known one, {0, {}, evicted,
# expired} for a new one.
OPEN_SESSION = (
    _ADMIT
    + """
local created, evicted, expired = admit()
if created then
  redis.call('HINCRBY', KEYS[4], 'misses', 1)
  return {0, {}, evicted, expired}
end
redis.call('HINCRBY', KEYS[4], 'hits', 1)
return {1, redis.call('LRANGE', KEYS[2], 0, -1), 0, 0}
"""
)

# Append one turn (ARGV[6] max history, ARGV[7] question, ARGV[8] answer as JSON messages),
# keep the last max-history messages (and the ratings of those), restart the TTL.
# Returns {messages kept, sessions evicted, expired sessions forgotten}.
APPEND_TURN = (
    _ADMIT
    + """
local _, evicted, expired = admit()
local length = redis.call('RPUSH', KEYS[2], ARGV[7], ARGV[8])
local excess = length - tonumber(ARGV[6])
if excess > 0 then
  redis.call('LTRIM', KEYS[2], excess, -1)
  local first = first_index() + excess
  redis.call('HSET', KEYS[1], 'first_index', first)
  for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
    -- A field named 'feedback:' and no number is left alone (it failed every later turn).
    if string.sub(name, 1, 9) == 'feedback:' and (tonumber(string.sub(name, 10)) or first) < first then
      redis.call('HDEL', KEYS[1], name)
    end
  end
end
touch()
local kept = length - math.max(excess, 0)
if kept == 0 then return {-1, evicted, expired} end  -- no history kept: the answer has no index
return {first_index() + kept - 1, evicted, expired}
"""
)

# Rate answer number ARGV[6] (from the conversation's start; "" for the last answer) with
# ARGV[7] (JSON), replacing an earlier rating; the expiry is not touched. Returns the
# answer's index, -1 when the session is not there, -2 when the index names no answer held,
# -3 when it names a message trimmed off the conversation's front.
# A stored message that is not JSON (the chat leaves it out of the history) is no answer.
SET_FEEDBACK = (
    _FIRST_INDEX
    + """
local function is_answer(message)
  local ok, decoded = pcall(cjson.decode, message)
  return ok and type(decoded) == 'table' and decoded['role'] == 'assistant'
end
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local first = first_index()
local position
if ARGV[6] == '' then
  local messages = redis.call('LRANGE', KEYS[2], 0, -1)
  for i = #messages, 1, -1 do
    if is_answer(messages[i]) then
      position = i - 1
      break
    end
  end
  if not position then return -2 end
else
  position = tonumber(ARGV[6]) - first
  if position < 0 then
    if tonumber(ARGV[6]) % 2 == 1 then return -3 end  -- an answer's index (questions are even)
    return -2
  end
  local message = redis.call('LINDEX', KEYS[2], position)
  if not message or not is_answer(message) then return -2 end
end
redis.call('HSET', KEYS[1], 'feedback:' .. (first + position), ARGV[7])
return first + position
"""
)
