-- KEYS: 2+
-- Registers an agency atomically with its audit entry; an existing id is never overwritten.
-- KEYS[1] agency hash   KEYS[2] all agencies (zset by creation time)   KEYS[3..] audit streams (from AuditLog)
-- ARGV[1] id   ARGV[2] name   ARGV[3] owner user id   ARGV[4] now (ms)   ARGV[5] audit max length   ARGV[6] audit entry (JSON)
-- Returns: 1 created; -1 the id is taken.
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'ownerId', ARGV[3], 'createdAt', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
for i = 3, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[5], '*', 'e', ARGV[6])
end
return 1
