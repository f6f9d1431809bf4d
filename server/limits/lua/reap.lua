-- KEYS: 2+
-- Takes a dead node's connections out of every user's count, on its behalf (it crashed or was cut off; or it is this
-- node leaving). Only a node dead by the Redis clock is reaped: a node that was merely slow and has beaten since keeps
-- its connections. Idempotent, so several nodes reaping the same dead node is harmless.
-- KEYS[1] live nodes (zset)   KEYS[2] the dead node's users (set of user ids)   KEYS[3..] those users' connections
-- (hashes socket id -> node id)
-- ARGV[1] the dead node's id
-- Returns: the number of connections taken out, or -1 if the node is alive (nothing done).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = redis.call('ZSCORE', KEYS[1], ARGV[1])
if untilMs and tonumber(untilMs) > now then return -1 end
local dropped = 0
for k = 3, #KEYS do
  local entries = redis.call('HGETALL', KEYS[k])
  for i = 1, #entries, 2 do
    if entries[i + 1] == ARGV[1] then
      redis.call('HDEL', KEYS[k], entries[i])
      dropped = dropped + 1
    end
  end
end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return dropped
