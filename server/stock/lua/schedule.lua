-- KEYS: 7
-- CODES (server/stock/codes.ts, checked by test/stock/codes.test.ts): SCHEDULED=1 NO_POOL=-1 OVERLAPS=-2 TOO_FEW_LEFT=-3 TOO_MANY_SALES=-4
-- Schedules a flash sale: takes its quantity out of the SKU's stock and creates the sale's stock pool, atomically, so
-- two sales (or a sale and list-price orders) can never promise the same unit twice.
-- KEYS[1] SKU stock pool (parent)   KEYS[2] sale hash (new)   KEYS[3] room's active sales (hash saleId -> "start:end")
-- KEYS[4] room's sale history (zset by start)   KEYS[5] due starts (zset)   KEYS[6] due ends (zset)
-- KEYS[7] stock dirty set
-- ARGV[1] saleId   ARGV[2] quantity   ARGV[3] requested start ms (past or 0: now)   ARGV[4] duration ms
-- ARGV[5] max active sales per room   ARGV[6..] field, value pairs stored on the sale (title, prices, limit, ids...)
-- Returns: {1, start, end}; {-1} SKU pool missing or no longer selling; {-2, saleId} window overlaps that sale;
--          {-3, left} not enough unallocated stock; {-4} too many active sales in the room.
-- Invariants kept: SKU total = left + reserved + sold + allocated; sale quantity = left + reserved + sold + returned.
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'ended' then return {-1} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local start = math.max(tonumber(ARGV[3]), now)
local finish = start + tonumber(ARGV[4])
local active = redis.call('HGETALL', KEYS[3])
if #active / 2 >= tonumber(ARGV[5]) then return {-4} end
for i = 1, #active, 2 do
  local s, e = string.match(active[i + 1], '^(%d+):(%d+)$')
  if tonumber(s) < finish and start < tonumber(e) then return {-2, active[i]} end
end
local q = tonumber(ARGV[2])
local left = tonumber(redis.call('HGET', KEYS[1], 'left'))
if left < q then return {-3, left} end
redis.call('HINCRBY', KEYS[1], 'left', -q)
redis.call('HINCRBY', KEYS[1], 'allocated', q)
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('HSET', KEYS[2], 'kind', 'sale', 'saleId', ARGV[1], 'state', 'scheduled', 'start', start, 'end', finish,
  'quantity', q, 'left', q, 'reserved', 0, 'sold', 0, 'returned', 0, 'createdAt', now)
redis.call('HSET', KEYS[3], ARGV[1], start .. ':' .. finish)
redis.call('ZADD', KEYS[4], start, ARGV[1])
redis.call('ZADD', KEYS[5], start, ARGV[1])
redis.call('ZADD', KEYS[6], finish, ARGV[1])
redis.call('SADD', KEYS[7], KEYS[1], KEYS[2])
return {1, start, finish}
