-- KEYS: 1
-- Grants up to ARGV[1] like taps from one user's budget for the current second (Redis clock), never more than ARGV[2]
-- in a second summed over every caller: every node asks here, so the budget holds across all of a user's connections
-- and nodes. Nodes ask for a few taps ahead (a lease, server/likes/userBudget.ts), so most taps cost no call at all.
-- KEYS[1] the user's budget (hash: w = the second it counts, used = taps granted in it; expires after 2 s)
-- ARGV[1] taps wanted   ARGV[2] taps per second (LIKES_PER_USER_PER_SEC)
-- Returns: {granted, msLeftInSecond}: granted may be 0 (the second's budget is spent); the grant is only good until the
-- second ends (msLeftInSecond, by the Redis clock).
local t = redis.call('TIME')
local second, msLeft = t[1], 1000 - math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'w', 'used')
local used = 0
if state[1] == second then used = tonumber(state[2]) end
local granted = math.max(0, math.min(tonumber(ARGV[1]), tonumber(ARGV[2]) - used))
if granted > 0 then
  redis.call('HSET', KEYS[1], 'w', second, 'used', used + granted)
  redis.call('PEXPIRE', KEYS[1], 2000)
end
return {granted, msLeft}
