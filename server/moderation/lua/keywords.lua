-- KEYS: 1+
-- Edits a keyword list (a room's or an agency's) and writes the audit entry in the same atomic step.
-- Invariant kept here: a list never holds more than ARGV[1] words (an edit that would exceed it changes nothing).
-- The caller read the named words first and built the audit entry from what the edit really changes (words added,
-- removed, re-moded: never the whole list); the edit applies only if those words still read the same, so the entry
-- is exactly the change made. Words the edit does not name do not affect its diff.
-- KEYS[1] keyword list (hash: normalised word -> block | shadow)   KEYS[2..] audit streams (from AuditLog)
-- ARGV[1] max words   ARGV[2] n = number of words the edit names, then n triples (word, mode read before or '' if
-- absent, mode after or '' to remove)   then the audit stream max length and the audit entry (JSON): the last two ARGV.
-- Returns: {1, {word, mode, word, mode, ...}} the list after the edit; {-1, size} the edit would exceed the cap;
--          {-2, word} that word changed since it was read (nothing written: read again and retry).
local max = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local size = redis.call('HLEN', KEYS[1])
for i = 0, n - 1 do
  local word, before, after = ARGV[3 + 3 * i], ARGV[4 + 3 * i], ARGV[5 + 3 * i]
  local now = redis.call('HGET', KEYS[1], word) or ''
  if now ~= before then return {-2, word} end
  if before == '' and after ~= '' then size = size + 1 end
  if before ~= '' and after == '' then size = size - 1 end
end
if size > max then return {-1, size} end
for i = 0, n - 1 do
  local word, before, after = ARGV[3 + 3 * i], ARGV[4 + 3 * i], ARGV[5 + 3 * i]
  if after == '' then
    if before ~= '' then redis.call('HDEL', KEYS[1], word) end
  elseif after ~= before then
    redis.call('HSET', KEYS[1], word, after)
  end
end
for i = 2, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[#ARGV - 1], '*', 'e', ARGV[#ARGV])
end
return {1, redis.call('HGETALL', KEYS[1])}
