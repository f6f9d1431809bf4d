-- KEYS: 2+
-- CODES (server/stock/codes.ts, checked by test/stock/codes.test.ts): REBUILT=1 NO_POOL=-1
-- Rebuilds one SKU's stock counters, and those of its flash sales, from the PostgreSQL ledger's order counts, after
-- Redis lost data (server/orders/recovery.ts). Stock definitions (SKU total, sale quantity, sale state) are Redis's
-- own; what orders hold (reserved, sold) is the ledger's, and left/allocated/returned follow from the invariants.
-- KEYS[1] the SKU pool hash   KEYS[2] stock dirty set   KEYS[3..] the SKU's flash-sale pool hashes (any state)
-- ARGV[1] units held by open list-price orders   ARGV[2] units sold at list price
-- ARGV[2j+1], ARGV[2j+2] for the sale in KEYS[j+2]: units held by its open orders, units sold in it
-- Returns: {-1} no such SKU pool (its product is gone from Redis: nothing to rebuild);
--          {1, anomaly...} rebuilt; each anomaly is a string naming a pool whose definition cannot hold the ledger's
--          orders (e.g. a restock lost with the Redis data): its left is set to 0 and its total raised to match.
-- Invariants restored: sale quantity = left + reserved + sold + returned; SKU total = left + reserved + sold + allocated,
-- with SKU.allocated = what the sales still hold (left + reserved) and SKU.sold counting flash-sale units sold.
local sku = KEYS[1]
if redis.call('EXISTS', sku) == 0 then return {-1} end
local anomalies = {}
local allocated, saleSold = 0, 0
for i = 3, #KEYS do
  local sale = KEYS[i]
  local open = tonumber(ARGV[2 * (i - 2) + 1])
  local paid = tonumber(ARGV[2 * (i - 2) + 2])
  saleSold = saleSold + paid
  local f = redis.call('HMGET', sale, 'state', 'quantity', 'returned')
  if not f[1] then
    anomalies[#anomalies + 1] = 'sale pool missing: ' .. sale
  else
    local quantity, returned = tonumber(f[2]), tonumber(f[3] or '0')
    local left
    if f[1] == 'ended' then
      left = 0
      returned = quantity - open - paid
      if returned < 0 then
        anomalies[#anomalies + 1] = 'sale oversubscribed: ' .. sale
        quantity = open + paid
        returned = 0
      end
    else
      left = quantity - returned - open - paid
      if left < 0 then
        anomalies[#anomalies + 1] = 'sale oversubscribed: ' .. sale
        quantity = quantity - left
        left = 0
      end
    end
    redis.call('HSET', sale, 'quantity', quantity, 'returned', returned, 'left', left, 'reserved', open, 'sold', paid)
    redis.call('SADD', KEYS[2], sale)
    allocated = allocated + left + open
  end
end
local reserved = tonumber(ARGV[1])
local sold = tonumber(ARGV[2]) + saleSold
local total = tonumber(redis.call('HGET', sku, 'total') or '0')
local left = total - reserved - sold - allocated
if left < 0 then
  anomalies[#anomalies + 1] = 'SKU oversubscribed: ' .. sku
  total = reserved + sold + allocated
  left = 0
end
redis.call('HSET', sku, 'total', total, 'left', left, 'reserved', reserved, 'sold', sold, 'allocated', allocated)
redis.call('HDEL', sku, 'soldOutPushed')
redis.call('SADD', KEYS[2], sku)
local out = {1}
for _, a in ipairs(anomalies) do out[#out + 1] = a end
return out
