-- KEYS: 1
-- Marks this node alive until now + ttl (Redis clock, so nodes with skewed clocks agree on who is alive).
-- KEYS[1] live nodes (zset: node id -> alive-until ms)
-- ARGV[1] node id   ARGV[2] ttl ms
-- Returns: the alive-until time (ms).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], untilMs, ARGV[1])
return untilMs
