-- KEYS: 4+
-- Changes an agency roster atomically and writes the audit entry in the same step.
-- Invariant kept here: a creator is on at most one agency's roster (KEYS[4] points back to that agency).
-- KEYS[1] agency hash   KEYS[2] its creators (set)   KEYS[3] its moderators (set)   KEYS[4] the user's creator-of key
-- (string, agency id).   Audit stream keys follow as extra keys (KEYS[5..]), passed by AuditLog.
-- ARGV[1] op: addCreator | removeCreator | addModerator | removeModerator   ARGV[2] user id   ARGV[3] agency id
-- ARGV[4] audit stream approximate max length   ARGV[5] audit entry (JSON)   ARGV[6] max creators   ARGV[7] max moderators
-- Invariant kept here too: a roster never holds more than ARGV[6] creators or ARGV[7] moderators (an add past it
-- changes nothing; an add of someone already there is "already so").
-- Returns: {1} changed (audited); {0} already so (nothing written); {-1} no such agency;
--          {-2, otherAgencyId} the creator is on another agency's roster; {-3, size} the roster's list is full.
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local op, user, agency = ARGV[1], ARGV[2], ARGV[3]
local changed
if op == 'addCreator' then
  local other = redis.call('GET', KEYS[4])
  if other and other ~= agency then return {-2, other} end
  if redis.call('SISMEMBER', KEYS[2], user) == 0 then
    local size = redis.call('SCARD', KEYS[2])
    if size >= tonumber(ARGV[6]) then return {-3, size} end
  end
  changed = redis.call('SADD', KEYS[2], user)
  redis.call('SET', KEYS[4], agency)
elseif op == 'removeCreator' then
  changed = redis.call('SREM', KEYS[2], user)
  if redis.call('GET', KEYS[4]) == agency then redis.call('DEL', KEYS[4]) end
elseif op == 'addModerator' then
  if redis.call('SISMEMBER', KEYS[3], user) == 0 then
    local size = redis.call('SCARD', KEYS[3])
    if size >= tonumber(ARGV[7]) then return {-3, size} end
  end
  changed = redis.call('SADD', KEYS[3], user)
elseif op == 'removeModerator' then
  changed = redis.call('SREM', KEYS[3], user)
else
  return redis.error_reply('unknown op ' .. op)
end
if changed == 0 then return {0} end
for i = 5, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[4], '*', 'e', ARGV[5])
end
return {1}
