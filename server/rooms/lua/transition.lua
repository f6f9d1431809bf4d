-- KEYS: 5
-- Moves a room to a new status atomically, keeping the status indexes in step, and gives the room's slot of its
-- creator's open-rooms quota back when it ends (create.lua takes it).
-- KEYS[1] room hash   KEYS[2] scheduled index (zset)   KEYS[3] live index (zset)   KEYS[4] ended index (zset)
-- KEYS[5] the room creator's open rooms (set of room ids)
-- ARGV[1] action: "live" | "end"   ARGV[2] now (ms)   ARGV[3] end reason (for "end")
-- Returns: {1, newStatus} on success; {-1} no such room; {-2, currentStatus} transition not allowed.
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {-1} end
local id = redis.call('HGET', KEYS[1], 'id')
local idx = { scheduled = KEYS[2], live = KEYS[3], ended = KEYS[4] }
local to
if ARGV[1] == 'live' then
  if status ~= 'scheduled' then return {-2, status} end
  to = 'live'
  redis.call('HSET', KEYS[1], 'status', 'live', 'startedAt', ARGV[2])
elseif ARGV[1] == 'end' then
  if status == 'ended' then return {-2, status} end
  to = 'ended'
  redis.call('HSET', KEYS[1], 'status', 'ended', 'endedAt', ARGV[2], 'endReason', ARGV[3])
else
  return redis.error_reply('unknown action ' .. ARGV[1])
end
redis.call('ZREM', idx[status], id)
redis.call('ZADD', idx[to], ARGV[2], id)
if to == 'ended' then redis.call('SREM', KEYS[5], id) end
return {1, to}
