-- KEYS: 2
-- Restocks (delta > 0) or withdraws (delta < 0) units of one SKU's list-price stock pool.
-- KEYS[1] SKU stock pool hash (server/catalog/pool.ts)   KEYS[2] stock dirty set (live stock ticker)
-- ARGV[1] delta, a non-zero integer
-- Returns: {1, left, total} done; {-1} no such pool, or its product was removed;
--          {-2, left} withdrawal larger than the units left (reserved, sold and allocated units cannot be withdrawn).
-- Invariant kept: total = left + reserved + sold + allocated (left and total move together).
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'ended' then return {-1} end
local delta = tonumber(ARGV[1])
local left = tonumber(redis.call('HGET', KEYS[1], 'left'))
if left + delta < 0 then return {-2, left} end
left = redis.call('HINCRBY', KEYS[1], 'left', delta)
local total = redis.call('HINCRBY', KEYS[1], 'total', delta)
redis.call('SADD', KEYS[2], KEYS[1])
return {1, left, total}
