-- KEYS: 3+
-- Takes a dead node's users out of every room it served, on its behalf (it crashed or was cut off). Invariant kept
-- here: only a node that is dead by the Redis clock is reaped, so a node that was merely slow and has heartbeated since
-- keeps its shares; each share is emptied at most once (read, then deleted, atomically), so several nodes reaping the
-- same dead node do the work once. A room's count goes down only for users the dead node alone had in the room.
-- The work is proportional to the dead node's users; it happens once per dead node.
-- KEYS[1] live nodes (zset: node id -> alive-until ms)
-- KEYS[2] the dead node's rooms (set of room ids)
-- KEYS[3] rooms whose stats changed since they were last broadcast (set of room ids)
-- KEYS[4..] per room, in pairs: the room's viewers (hash: user id -> node count), the dead node's share of it (set)
-- ARGV[1] the dead node's id   ARGV[2..] the room ids, in the order of the pairs
-- Returns: the number of users taken out of shares, or -1 if the node is alive (nothing done).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local aliveUntil = redis.call('ZSCORE', KEYS[1], ARGV[1])
if aliveUntil and tonumber(aliveUntil) > now then return -1 end
local dropped = 0
for r = 2, #ARGV do
  local viewers, share = KEYS[2 * r], KEYS[2 * r + 1]
  local before = redis.call('HLEN', viewers)
  for _, user in ipairs(redis.call('SMEMBERS', share)) do
    if redis.call('HINCRBY', viewers, user, -1) <= 0 then redis.call('HDEL', viewers, user) end
    dropped = dropped + 1
  end
  redis.call('DEL', share)
  redis.call('SREM', KEYS[2], ARGV[r])
  if redis.call('HLEN', viewers) ~= before then redis.call('SADD', KEYS[3], ARGV[r]) end
end
-- A room the node entered after the caller listed its rooms stays listed: the next reap takes it. Until then the node
-- stays in the live-nodes zset, which is what makes it show up as dead again.
if redis.call('SCARD', KEYS[2]) == 0 then redis.call('ZREM', KEYS[1], ARGV[1]) end
return dropped
