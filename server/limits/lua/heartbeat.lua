-- KEYS: 1
-- Marks this node alive until now + ttl (Redis clock, so nodes with skewed clocks agree) and lists dead nodes, whose
-- connections the caller takes out of every user's count (reap.lua). Also says whether this node was still alive before
-- this beat: if it was not (it stalled past its ttl), other nodes may have dropped its connections, and the caller
-- writes them back.
-- KEYS[1] live nodes (zset: node id -> alive-until ms)
-- ARGV[1] node id   ARGV[2] ttl ms   ARGV[3] most dead nodes to list
-- Returns: {wasAlive (1|0), deadNodeId...} (at most ARGV[3] dead nodes; never this one).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local before = redis.call('ZSCORE', KEYS[1], ARGV[1])
local wasAlive = 0
if before and tonumber(before) > now then wasAlive = 1 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local out = {wasAlive}
for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))) do out[#out + 1] = n end
return out
