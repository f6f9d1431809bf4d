-- KEYS: 1
-- A room's viewer count for a join snapshot, counting the joiner as present (their share is written after the
-- snapshot). One script rather than MULTI HLEN HEXISTS: the same atomicity (the joiner's other node leaving between
-- the two reads would otherwise count them twice) without a transaction object per join on the node.
-- KEYS[1] the room's viewers (hash: userId -> nodes)
-- ARGV[1] the joiner's user id
-- Returns: HLEN, plus 1 if the joiner is not in it yet.
local n = redis.call('HLEN', KEYS[1])
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then n = n + 1 end
return n
