-- KEYS: 2
-- Reports this node's share of a room's viewers and returns the room's total over the nodes that are alive.
-- Invariant kept here: a node that stopped heartbeating (crashed, partitioned) stops counting once its alive-until
-- time passes; its share is dropped, so counts recover from crashes without anyone cleaning up after the dead node.
-- KEYS[1] room presence (hash: node id -> distinct users connected through that node)
-- KEYS[2] live nodes (zset: node id -> alive-until ms, written by heartbeat.lua)
-- ARGV[1] this node id   ARGV[2] this node's distinct users in the room (0 removes its share)
-- Returns: the room's viewer count.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local mine = tonumber(ARGV[2])
if mine > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], mine)
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local shares = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #shares, 2 do
  local node, n = shares[i], tonumber(shares[i + 1])
  if node == ARGV[1] then
    total = total + n
  else
    local aliveUntil = redis.call('ZSCORE', KEYS[2], node)
    if aliveUntil and tonumber(aliveUntil) > now then
      total = total + n
    else
      redis.call('HDEL', KEYS[1], node)
    end
  end
end
return total
