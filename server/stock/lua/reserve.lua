-- KEYS: 13
-- CODES (server/stock/codes.ts, checked by test/stock/codes.test.ts): RESERVED=1 REPLAYED=2 SOLD_OUT=-1 LIMIT_REACHED=-2 NOT_STARTED=-3 ENDED=-4 KEY_REUSED=-5 NO_POOL=-6 INSUFFICIENT=-7 ROOM_NOT_LIVE=-8 RECOVERING=-9 BANNED=-10
-- Reserves stock for one order in Redis, the hot path, atomically: idempotency, sale window, per-buyer limit and remaining stock are checked
-- and the stock is taken in one step, so no interleaving of buyers (on any number of nodes) can oversell.
-- KEYS[1]  stock pool hash (a SKU pool or a flash sale, see server/catalog/pool.ts)
-- KEYS[2]  units per buyer in this pool (hash buyerId -> active units: reserved, paying or paid)
-- KEYS[3]  idempotency record (string "orderId|fingerprint", per buyer and key)
-- KEYS[4]  the new order's hash          KEYS[5] payment deadlines (zset orderId by deadline ms)
-- KEYS[6]  unconfirmed orders (zset orderId by creation ms): reserved here, not yet committed to the PostgreSQL
--          ledger. The node removes an order once its row is committed; the supervisor settles what is left behind.
-- KEYS[7]  buyer's orders (zset)         KEYS[8] room's orders (zset)
-- KEYS[9]  stock dirty set (live stock ticker)
-- KEYS[10] the ledger fence (string): present once this Redis's hot state was rebuilt from the ledger
--          (server/ledger/recovery.ts); while it is missing every reservation is refused, so nothing is reserved on
--          counters that are about to be rewritten.
-- KEYS[11] the room's hash (rooms domain): a room that has not gone live sells nothing yet
-- KEYS[12] the room's bans, KEYS[13] its agency's (moderation's sets of user ids; the room's twice when it has no
--          agency): checked first when ARGV[17] is '1', so a banned buyer is refused before anything else is read
-- ARGV[1] new order id   ARGV[2] buyer id   ARGV[3] quantity (1..99)   ARGV[4] request fingerprint
-- ARGV[5] payment window ms   ARGV[6] idempotency record TTL ms
-- ARGV[7..16] the values of the order fields below (ORDER_FIELDS, the same list as RESERVE_ORDER_FIELDS in
--   server/stock/scripts.ts), copied onto the order
-- ARGV[17] '1': refuse a buyer in KEYS[12] or KEYS[13] (BANNED); '0': the caller checked bans itself, or none apply
-- Order and GMV figures are not counted here: they are read from the PostgreSQL ledger (server/ledger), one source.
-- Returns: {1, orderId} reserved; {2, orderId} replay of an earlier request with the same key (nothing changed);
--   {-1} sold out; {-2, unitsStillAllowed} per-buyer limit; {-3, startMs} not started; {-4} ended;
--   {-5, orderId} key reused for a different request; {-6} no such pool; {-7, left} fewer units left than asked;
--   {-8, scheduledAt or ''} the room has not gone live yet; {-9} the hot state is being rebuilt (retry shortly);
--   {-10} the buyer is banned from the room or its agency.
-- Nothing is announced here: the order is told to anyone (the buyer's ack, the `reserved` push) only once its ledger
-- row is committed.
-- Invariant kept: left moves to reserved unit for unit, so pool totals are unchanged and left never goes below 0.
-- The buyer's active units never exceed the pool's limit (when it has one).
local ORDER_FIELDS = {'roomId', 'agencyId', 'poolKind', 'productId', 'skuId', 'saleId', 'idempotencyKey', 'channel', 'shopId', 'creatorId'}
if ARGV[17] == '1' and (redis.call('SISMEMBER', KEYS[12], ARGV[2]) == 1 or redis.call('SISMEMBER', KEYS[13], ARGV[2]) == 1) then
  return {-10}
end
local prior = redis.call('GET', KEYS[3])
if prior then
  local sep = string.find(prior, '|', 1, true)
  local orderId = string.sub(prior, 1, sep - 1)
  if string.sub(prior, sep + 1) ~= ARGV[4] then return {-5, orderId} end
  return {2, orderId}
end
if redis.call('EXISTS', KEYS[10]) == 0 then return {-9} end
local room = redis.call('HMGET', KEYS[11], 'status', 'scheduledAt')
if room[1] == 'scheduled' then return {-8, room[2] or ''} end
local pool = redis.call('HMGET', KEYS[1], 'state', 'start', 'end', 'limit', 'left', 'price', 'currency', 'title')
local state = pool[1]
if not state then return {-6} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if state == 'ended' then return {-4} end
local start, finish = tonumber(pool[2]), tonumber(pool[3])
if now < start then return {-3, start} end
if finish > 0 and now >= finish then return {-4} end
local q = tonumber(ARGV[3])
local limit = tonumber(pool[4])
local had = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if limit > 0 and had + q > limit then return {-2, math.max(limit - had, 0)} end
local left = tonumber(pool[5])
if left == 0 then return {-1} end
if left < q then return {-7, left} end

redis.call('HINCRBY', KEYS[1], 'left', -q)
redis.call('HINCRBY', KEYS[1], 'reserved', q)
redis.call('HINCRBY', KEYS[2], ARGV[2], q)
local price = tonumber(pool[6])
local deadline = now + tonumber(ARGV[5])
local orderId = ARGV[1]
local fields = {}
for i, name in ipairs(ORDER_FIELDS) do
  fields[2 * i - 1] = name
  fields[2 * i] = ARGV[6 + i]
end
redis.call('HSET', KEYS[4], unpack(fields))
redis.call('HSET', KEYS[4], 'id', orderId, 'buyerId', ARGV[2], 'quantity', q, 'unitPrice', price, 'amount', price * q,
  'currency', pool[7], 'title', pool[8], 'status', 'reserved', 'createdAt', now, 'updatedAt', now, 'deadline', deadline)
redis.call('SET', KEYS[3], orderId .. '|' .. ARGV[4], 'PX', ARGV[6])
redis.call('ZADD', KEYS[5], deadline, orderId)
redis.call('ZADD', KEYS[6], now, orderId)
redis.call('ZADD', KEYS[7], now, orderId)
redis.call('ZADD', KEYS[8], now, orderId)
redis.call('SADD', KEYS[9], KEYS[1])
return {1, orderId}
