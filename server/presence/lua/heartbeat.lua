-- KEYS: 1
-- Marks this node alive until now + ttl (Redis clock, so nodes with skewed clocks agree on who is alive) and lists the
-- nodes whose alive-until time has passed: crashed or cut-off nodes whose viewers the caller takes out of the counts
-- (reap.lua), since they cannot do it themselves.
-- KEYS[1] live nodes (zset: node id -> alive-until ms)
-- ARGV[1] node id   ARGV[2] ttl ms   ARGV[3] most dead nodes to list
-- Returns: ids of dead nodes (at most ARGV[3]; never this node, which was just marked alive).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
