-- KEYS: 2
-- CODES (server/stock/codes.ts, checked by test/stock/codes.test.ts): SEEDED=1 UPDATED=2 EXISTED=0
-- Creates a shop SKU's stock pool if it does not exist yet, else brings its descriptive fields (title, price, state)
-- to the product version given, if that is newer than the pool's (server/stock/shopStock.ts). Run after a product is
-- created, edited, archived or unarchived, at node start for every shop SKU in PostgreSQL, and by ledger recovery
-- before it rebuilds counters. Counters of an existing pool are never touched here (only the stock scripts move them),
-- so seeding can run any number of times, on any node, at any moment; an older version never overwrites a newer one.
-- KEYS[1] the SKU's pool hash (server/stock/pool.ts)   KEYS[2] stock dirty set (live stock ticker)
-- ARGV[1] product version   ARGV[2] title   ARGV[3] unit price   ARGV[4] state (live | ended)
-- ARGV[5..] field, value pairs of the new pool (newSkuPool: all of its durable total left, nothing reserved or sold)
-- Returns: {1} created; {2} existed, descriptive fields updated; {0} existed at this version or a newer one.
-- Invariant kept: total = left + reserved + sold + allocated (a new pool has left = total, the rest 0).
if redis.call('EXISTS', KEYS[1]) == 1 then
  local v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
  if v >= tonumber(ARGV[1]) then return {0} end
  redis.call('HSET', KEYS[1], 'version', ARGV[1], 'title', ARGV[2], 'price', ARGV[3], 'state', ARGV[4])
  return {2}
end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'title', ARGV[2], 'price', ARGV[3], 'state', ARGV[4])
redis.call('SADD', KEYS[2], KEYS[1])
return {1}
