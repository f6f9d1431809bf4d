-- KEYS: 4
-- Selects a shop product into a room's product list, atomically: a product already on the list changes nothing; one
-- that is not takes one of the room's PRODUCTS_PER_ROOM slots (the same counter as slot.lua: products ever created or
-- selected, deleted and deselected ones included), so parallel selects on any number of nodes never take two slots
-- for one product nor pass the cap.
-- KEYS[1] the selection record (hash)   KEYS[2] the room's products ever created (string counter)
-- KEYS[3] the room's current products (zset)   KEYS[4] the rooms the product was ever selected into (set)
-- ARGV[1] the cap (PRODUCTS_PER_ROOM)   ARGV[2] productId   ARGV[3] shopId   ARGV[4] now (ms)   ARGV[5] who selects
-- ARGV[6] roomId
-- Returns: {1, used} selected now; {0} it already was (nothing written); {-1, used} no slot left (nothing written).
if redis.call('HGET', KEYS[1], 'removed') == '0' then return {0} end
local used = tonumber(redis.call('GET', KEYS[2]) or redis.call('ZCARD', KEYS[3]))
if used >= tonumber(ARGV[1]) then return {-1, used} end
used = used + 1
redis.call('SET', KEYS[2], used)
redis.call('HSET', KEYS[1], 'productId', ARGV[2], 'shopId', ARGV[3], 'selectedAt', ARGV[4], 'selectedBy', ARGV[5], 'removed', 0)
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[6])
return {1, used}
