-- KEYS: 1+
-- Bans a user (a room's ban set or an agency's) and writes the audit entry in the same atomic step.
-- Invariant kept here: a ban set never holds more than ARGV[2] users (a new ban past it changes nothing); re-banning
-- a user already banned is always allowed (and audited again, as before: the reason may differ).
-- KEYS[1] ban set   KEYS[2..] audit streams (from AuditLog)
-- ARGV[1] user id   ARGV[2] max users in the set   ARGV[3] audit stream max length   ARGV[4] audit entry (JSON)
-- Returns: {1} banned now; {0} was already banned; {-1, size} the set is full (nothing written).
local already = redis.call('SISMEMBER', KEYS[1], ARGV[1])
if already == 0 then
  local size = redis.call('SCARD', KEYS[1])
  if size >= tonumber(ARGV[2]) then return {-1, size} end
  redis.call('SADD', KEYS[1], ARGV[1])
end
for i = 2, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[3], '*', 'e', ARGV[4])
end
return {1 - already}
