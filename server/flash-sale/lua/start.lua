-- KEYS: 2
-- Claims a due sale start: exactly one node flips scheduled -> live and announces it. Buying does not wait for this:
-- the order script opens the window by time, so a late tick delays only the announcement.
-- KEYS[1] sale hash   KEYS[2] due starts (zset)
-- ARGV[1] saleId
-- Returns: {1} this caller started it; {0} not due yet, already claimed, or no longer scheduled.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local start = tonumber(redis.call('HGET', KEYS[1], 'start'))
if not start or now < start then return {0} end
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return {0} end
if redis.call('HGET', KEYS[1], 'state') ~= 'scheduled' then return {0} end
redis.call('HSET', KEYS[1], 'state', 'live')
return {1}
