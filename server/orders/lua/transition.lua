-- KEYS: 10
-- Moves an order through its state machine and settles its stock in the same step, so every unit is released or sold
-- exactly once:  reserved -> pending_payment -> paid | failed | expired;  reserved -> expired | cancelled.
-- KEYS[1] order hash   KEYS[2] its stock pool   KEYS[3] the SKU pool (the sale's parent; = KEYS[2] for list-price orders)
-- KEYS[4] units per buyer in the pool   KEYS[5] payment deadlines (zset)   KEYS[6] not-yet-queued orders (zset)
-- KEYS[7] stock dirty set   KEYS[8] room analytics   KEYS[9] agency analytics   KEYS[10] order events stream
-- ARGV[1] action: begin | paid | fail | expire | cancel   ARGV[2] reason (fail/expire/cancel)   ARGV[3] charge id (paid)
-- ARGV[4] "1" if the room has an agency   ARGV[5] events stream max length
-- Returns: {1, newStatus} changed; {0, currentStatus} not allowed from the current status (nothing changed);
--          {-1} no such order.
-- Actions:
--   begin   reserved -> pending_payment before the deadline; after it, reserved -> expired. The payment worker calls
--           it before its first charge attempt, so a reserved order has provably never been sent to the gateway.
--   paid    pending_payment -> paid: reserved units become sold.
--   fail    pending_payment -> failed (declined, or the gateway confirmed the charge cannot happen any more).
--   expire  reserved -> expired once the deadline has passed (Redis clock); pending_payment -> expired (the worker
--           cancelled the charge at the gateway first).
--   cancel  reserved -> cancelled (the buyer, before payment started).
-- Releasing (failed, expired, cancelled) returns the units to the pool's left, or, if the pool is a flash sale that has
-- ended, to the SKU pool (sale.returned and SKU.left grow, SKU.allocated shrinks), and frees the buyer's limit.
-- Invariants kept: sale quantity = left + reserved + sold + returned; SKU total = left + reserved + sold + allocated.
local o = redis.call('HMGET', KEYS[1], 'status', 'deadline', 'quantity', 'id', 'buyerId', 'amount', 'currency')
local status = o[1]
if not status then return {-1} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local action = ARGV[1]
local to
if action == 'begin' then
  if status ~= 'reserved' then return {0, status} end
  if now >= tonumber(o[2]) then to = 'expired' else to = 'pending_payment' end
elseif action == 'paid' then
  if status ~= 'pending_payment' then return {0, status} end
  to = 'paid'
elseif action == 'fail' then
  if status ~= 'pending_payment' then return {0, status} end
  to = 'failed'
elseif action == 'expire' then
  if status == 'reserved' then
    if now < tonumber(o[2]) then return {0, status} end
  elseif status ~= 'pending_payment' then
    return {0, status}
  end
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
  redis.call('HSET', KEYS[1], 'chargeId', ARGV[3], 'paidAt', now)
  redis.call('ZREM', KEYS[5], orderId)
  redis.call('ZREM', KEYS[6], orderId)
  redis.call('SADD', KEYS[7], KEYS[2])
  local stats = { KEYS[8] }
  if ARGV[4] == '1' then stats[2] = KEYS[9] end
  for _, key in ipairs(stats) do
    redis.call('HINCRBY', key, 'paidOrders', 1)
    redis.call('HINCRBY', key, 'paidUnits', q)
    redis.call('HINCRBY', key, 'gmv:' .. o[7], tonumber(o[6]))
  end
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
redis.call('XADD', KEYS[10], 'MAXLEN', '~', ARGV[5], '*', 'orderId', orderId, 'buyerId', o[5], 'status', to,
  'reason', ARGV[2], 'chargeId', ARGV[3], 'updatedAt', now)
return {1, to}
