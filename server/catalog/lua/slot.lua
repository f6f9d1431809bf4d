-- KEYS: 2
-- Takes one of a room's PRODUCTS_PER_ROOM product slots, atomically, so parallel creates (on any number of nodes) never
-- take a room past it. The slots count every product the room ever had: deleting one does not give its slot back, so
-- delete-and-recreate cannot beat the cap. A room whose counter does not exist yet (products created before the counter
-- did) starts from its current product count.
-- KEYS[1] the room's products ever created (string counter)   KEYS[2] the room's current products (zset)
-- ARGV[1] the cap (PRODUCTS_PER_ROOM)
-- Returns: {1, used} the slot is taken (used: slots taken now); {-1, used} none left (nothing written).
local used = tonumber(redis.call('GET', KEYS[1]) or redis.call('ZCARD', KEYS[2]))
if used >= tonumber(ARGV[1]) then return {-1, used} end
used = used + 1
redis.call('SET', KEYS[1], used)
return {1, used}
