-- KEYS: 6
-- CODES (server/stock/codes.ts, checked by test/stock/codes.test.ts): ENDED=1 NOT_DUE=0 NO_SALE=-1
-- Ends (or cancels, if not started) a flash sale and gives its unsold units back to the SKU's stock.
-- KEYS[1] sale hash   KEYS[2] SKU stock pool (parent)   KEYS[3] room's active sales hash   KEYS[4] due starts (zset)
-- KEYS[5] due ends (zset)   KEYS[6] stock dirty set
-- ARGV[1] saleId   ARGV[2] mode: "due" (only once its window is over) | "force" (now)   ARGV[3] reason
-- Returns: {1, previousState, sold, returnedNow} this caller ended it; {0} already ended or not due; {-1} no such sale.
-- Invariants kept: the units move from sale.left to sale.returned and from SKU.allocated to SKU.left, so both
-- sale quantity = left + reserved + sold + returned and SKU total = left + reserved + sold + allocated still hold.
-- Reservations still open stay counted in sale.reserved; when they are released later (orders transition.lua) their
-- units go straight to the SKU, because the sale is ended.
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {-1} end
if state == 'ended' then return {0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[2] == 'due' and now < tonumber(redis.call('HGET', KEYS[1], 'end')) then return {0} end
local left = tonumber(redis.call('HGET', KEYS[1], 'left'))
redis.call('HSET', KEYS[1], 'state', 'ended', 'endedAt', now, 'endedReason', ARGV[3])
if left > 0 then
  redis.call('HINCRBY', KEYS[1], 'left', -left)
  redis.call('HINCRBY', KEYS[1], 'returned', left)
  redis.call('HINCRBY', KEYS[2], 'left', left)
  redis.call('HINCRBY', KEYS[2], 'allocated', -left)
end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('SADD', KEYS[6], KEYS[1], KEYS[2])
return {1, state, tonumber(redis.call('HGET', KEYS[1], 'sold')), left}
