-- KEYS: 2
-- CODES (server/stock/codes.ts, checked by test/stock/codes.test.ts): ADJUSTED=1 NO_POOL=-1 TOO_FEW_LEFT=-2 OVER_CAP=-3
-- Restocks (delta > 0) or withdraws (delta < 0) units of one SKU's list-price stock pool.
-- KEYS[1] SKU stock pool hash (server/catalog/pool.ts)   KEYS[2] stock dirty set (live stock ticker)
-- ARGV[1] delta, a non-zero integer   ARGV[2] max total units of one SKU (MAX_SKU_STOCK, protocol/src/commerce.ts)
-- Returns: {1, left, total} done; {-1} no such pool, or its product was removed;
--          {-2, left} withdrawal larger than the units left (reserved, sold and allocated units cannot be withdrawn);
--          {-3, total} restock would take total past ARGV[2] (nothing changed; ARGV[2] - total more units fit).
-- Invariant kept: total = left + reserved + sold + allocated (left and total move together).
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'ended' then return {-1} end
local delta = tonumber(ARGV[1])
local left = tonumber(redis.call('HGET', KEYS[1], 'left'))
if left + delta < 0 then return {-2, left} end
if delta > 0 then
  local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
  if total + delta > tonumber(ARGV[2]) then return {-3, total} end
end
left = redis.call('HINCRBY', KEYS[1], 'left', delta)
local total = redis.call('HINCRBY', KEYS[1], 'total', delta)
redis.call('SADD', KEYS[2], KEYS[1])
return {1, left, total}
