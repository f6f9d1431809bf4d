-- KEYS: 3
-- Counts a new connection of one user against SOCKETS_PER_USER, atomically, so that parallel handshakes on any number
-- of nodes never let a user hold more. A user's connections are a hash socket id -> node id; a connection counts only
-- while its node is alive (heartbeat.lua), so the connections of a crashed node stop counting once its liveness lapses
-- (they are dropped here as they are met, and all at once by reap.lua), with nothing run on the dead node's behalf.
-- KEYS[1] live nodes (zset: node id -> alive-until, Redis ms)   KEYS[2] the user's connections (hash socket id -> node id)
-- KEYS[3] the users with a connection through this node (set: what reap.lua looks at if this node dies)
-- ARGV[1] this node's id   ARGV[2] the socket id   ARGV[3] the most connections (SOCKETS_PER_USER)   ARGV[4] the user id
-- Returns: {1, count} counted (count: the user's connections now, this one included); {0, count} refused: the user
-- already holds count >= max live connections (nothing written but the dead entries dropped).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local node, sid, max = ARGV[1], ARGV[2], tonumber(ARGV[3])
local alive = {}
local function isAlive(n)
  if n == node then return true end
  if alive[n] == nil then
    local untilMs = redis.call('ZSCORE', KEYS[1], n)
    alive[n] = untilMs ~= false and tonumber(untilMs) > now
  end
  return alive[n]
end
local count = 0
local entries = redis.call('HGETALL', KEYS[2])
for i = 1, #entries, 2 do
  if entries[i] ~= sid then
    if isAlive(entries[i + 1]) then count = count + 1 else redis.call('HDEL', KEYS[2], entries[i]) end
  end
end
if count >= max then return {0, count} end
redis.call('HSET', KEYS[2], sid, node)
redis.call('SADD', KEYS[3], ARGV[4])
return {1, count + 1}
