-- KEYS: 1
-- Claims this tick's stats broadcast. Invariant kept here: at most one node holds the claim at a time, so every room
-- gets at most one room:stats per tick however many nodes serve it. The holder renews it every tick; when the holder
-- stops (crash, shutdown), the claim lapses after ARGV[2] ms and the next node to tick takes over.
-- KEYS[1] the claim (string: the holder's node id, expiring)
-- ARGV[1] this node id   ARGV[2] claim length ms
-- Returns: 1 if this node holds the claim now, else 0.
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return 1
