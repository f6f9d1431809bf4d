-- KEYS: 9
-- CODES (server/stock/codes.ts, checked by test/stock/codes.test.ts): CHANGED=1 UNCHANGED=0 NO_ORDER=-1 RECOVERING=-2
-- Mirrors an order's status change, already committed in the PostgreSQL ledger (the authority on order status), into
-- Redis, and settles its stock in the same step, so every unit is released or sold exactly once:
--   reserved -> pending_payment -> paid | failed | expired;  reserved -> expired | cancelled | failed | paid.
-- (A mirror can skip pending_payment when a process died between the ledger's change and this script.)
-- KEYS[1] order hash   KEYS[2] its stock pool   KEYS[3] the SKU pool (the sale's parent; = KEYS[2] for list-price orders)
-- KEYS[4] units per buyer in the pool   KEYS[5] open orders by deadline (zset)   KEYS[6] unconfirmed orders (zset)
-- KEYS[7] stock dirty set   KEYS[8] order events stream
-- KEYS[9] the ledger fence (string): absent while recovery rebuilds this Redis from the ledger
-- ARGV[1] action: begin | paid | fail | expire | cancel   ARGV[2] reason (fail/expire/cancel)   ARGV[3] charge id (paid)
-- ARGV[4] events stream max length   ARGV[5] '1': refuse while the fence is absent (every caller but recovery itself)
-- Paid and GMV figures are not counted here: they are read from the PostgreSQL ledger (server/ledger), one source.
-- Returns: {1, newStatus} changed; {0, currentStatus} already there or not reachable from the current status (nothing
--          changed, so replaying a mirror is harmless); {-1} no such order (lost with Redis data: recovery rebuilds it);
--          {-2} recovery is rebuilding the counters: nothing changed. A change applied now would land on counters the
--          rebuild is about to overwrite from an older ledger snapshot, and be lost; recovery re-applies every status
--          the ledger committed during the rebuild once the fence is back (server/orders/recovery.ts, step 7).
-- Deadlines are not checked here: the ledger decided, on its own clock.
-- Releasing (failed, expired, cancelled) returns the units to the pool's left, or, if the pool is a flash sale that has
-- ended, to the SKU pool (sale.returned and SKU.left grow, SKU.allocated shrinks), and frees the buyer's limit.
-- Paying a flash-sale order counts its units as sold on the SKU too (SKU.allocated shrinks, SKU.sold grows).
-- Invariants kept: sale quantity = left + reserved + sold + returned; SKU total = left + reserved + sold + allocated.
if ARGV[5] == '1' and redis.call('EXISTS', KEYS[9]) == 0 then return {-2} end
local o = redis.call('HMGET', KEYS[1], 'status', 'deadline', 'quantity', 'id', 'buyerId', 'amount', 'currency')
local status = o[1]
if not status then return {-1} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local action = ARGV[1]
local open = status == 'reserved' or status == 'pending_payment'
local to
if action == 'begin' then
  if status ~= 'reserved' then return {0, status} end
  to = 'pending_payment'
elseif action == 'paid' then
  if not open then return {0, status} end
  to = 'paid'
elseif action == 'fail' then
  if not open then return {0, status} end
  to = 'failed'
elseif action == 'expire' then
  if not open then return {0, status} end
  to = 'expired'
elseif action == 'cancel' then
  if status ~= 'reserved' then return {0, status} end
  to = 'cancelled'
else
  return redis.error_reply('unknown action ' .. action)
end

local q = tonumber(o[3])
local orderId = o[4]
redis.call('HSET', KEYS[1], 'status', to, 'updatedAt', now)
if to == 'pending_payment' then
  redis.call('HSET', KEYS[1], 'paymentStartedAt', now)
  redis.call('ZREM', KEYS[6], orderId)
elseif to == 'paid' then
  redis.call('HINCRBY', KEYS[2], 'reserved', -q)
  redis.call('HINCRBY', KEYS[2], 'sold', q)
  if KEYS[3] ~= KEYS[2] then
    redis.call('HINCRBY', KEYS[3], 'allocated', -q)
    redis.call('HINCRBY', KEYS[3], 'sold', q)
    redis.call('SADD', KEYS[7], KEYS[3])
  end
  redis.call('HSET', KEYS[1], 'chargeId', ARGV[3], 'paidAt', now)
  redis.call('ZREM', KEYS[5], orderId)
  redis.call('ZREM', KEYS[6], orderId)
  redis.call('SADD', KEYS[7], KEYS[2])
else
  redis.call('HINCRBY', KEYS[2], 'reserved', -q)
  if KEYS[3] ~= KEYS[2] and redis.call('HGET', KEYS[2], 'state') == 'ended' then
    redis.call('HINCRBY', KEYS[2], 'returned', q)
    redis.call('HINCRBY', KEYS[3], 'left', q)
    redis.call('HINCRBY', KEYS[3], 'allocated', -q)
    redis.call('SADD', KEYS[7], KEYS[3])
  else
    redis.call('HINCRBY', KEYS[2], 'left', q)
    redis.call('HDEL', KEYS[2], 'soldOutPushed')
  end
  if redis.call('HINCRBY', KEYS[4], o[5], -q) <= 0 then redis.call('HDEL', KEYS[4], o[5]) end
  if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'failureReason', ARGV[2]) end
  redis.call('ZREM', KEYS[5], orderId)
  redis.call('ZREM', KEYS[6], orderId)
  redis.call('SADD', KEYS[7], KEYS[2])
end
redis.call('XADD', KEYS[8], 'MAXLEN', '~', ARGV[4], '*', 'orderId', orderId, 'buyerId', o[5], 'status', to,
  'reason', ARGV[2], 'chargeId', ARGV[3], 'updatedAt', now)
return {1, to}
