-- KEYS: 1+
-- Mutes a user in a room until ARGV[3] (ms) and writes the audit entry in the same atomic step.
-- Invariant kept here: a room's mute set (zset user -> until, expired entries pruned first) never holds more than
-- ARGV[2] users muted now (a new mute past it changes nothing); changing an existing mute's end is always allowed.
-- KEYS[1] mute zset   KEYS[2..] audit streams (from AuditLog)
-- ARGV[1] user id   ARGV[2] max muted users   ARGV[3] until (ms)   ARGV[4] now (ms)   ARGV[5] audit stream max length
-- ARGV[6] audit entry (JSON)
-- Returns: {1} written; {-1, size} the set is full (nothing written).
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local size = redis.call('ZCARD', KEYS[1])
  if size >= tonumber(ARGV[2]) then return {-1, size} end
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
for i = 2, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[5], '*', 'e', ARGV[6])
end
return {1}
