-- KEYS: 6+
-- Creates a room, atomically with the creator's quotas, so that no interleaving of creates (on any number of nodes)
-- takes a creator past ROOMS_OPEN_PER_CREATOR rooms open at once or ROOMS_CREATED_PER_HOUR creations in a rolling hour.
-- The creator's open rooms are a set kept here (SADD) and by transition.lua (SREM when a room ends), so ending a room
-- gives its slot back; creations are a sorted set by time (Redis clock) holding the last hour's only.
-- KEYS[1] the room's hash (new)   KEYS[2] every room (zset by creation ms)   KEYS[3] scheduled rooms (zset)
-- KEYS[4] the creator's rooms (zset)   KEYS[5] the creator's open rooms (set of room ids: not ended)
-- KEYS[6] the creator's creations in the last hour (zset room id -> Redis ms)   KEYS[7] (optional) the agency's rooms (zset)
-- ARGV[1] room id   ARGV[2] created-at ms (index score)   ARGV[3] most open rooms (0: no limit)
-- ARGV[4] most creations per window (0: no limit)   ARGV[5] window ms   ARGV[6..] the room hash's field, value pairs
-- Returns: {1} created; {-1, openRooms} the open-rooms quota is used up; {-2, retryAfterMs} the hourly quota is used up
-- (retryAfterMs: until the oldest creation in the window leaves it). Nothing is written on a refusal.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local maxOpen, maxPerWindow, window = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - window)
if maxOpen > 0 then
  local open = redis.call('SCARD', KEYS[5])
  if open >= maxOpen then return {-1, open} end
end
if maxPerWindow > 0 and redis.call('ZCARD', KEYS[6]) >= maxPerWindow then
  local oldest = redis.call('ZRANGE', KEYS[6], 0, 0, 'WITHSCORES')
  return {-2, math.max(1, tonumber(oldest[2]) + window - now)}
end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
local id, at = ARGV[1], ARGV[2]
redis.call('ZADD', KEYS[2], at, id)
redis.call('ZADD', KEYS[3], at, id)
redis.call('ZADD', KEYS[4], at, id)
if KEYS[7] then redis.call('ZADD', KEYS[7], at, id) end
redis.call('SADD', KEYS[5], id)
redis.call('ZADD', KEYS[6], now, id)
redis.call('PEXPIRE', KEYS[6], window)
return {1}
