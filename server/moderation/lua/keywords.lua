-- KEYS: 1+
-- Edits a keyword list (a room's or an agency's) and writes the audit entry in the same atomic step.
-- Invariant kept here: a list never holds more than ARGV[1] words (an edit that would exceed it changes nothing).
-- KEYS[1] keyword list (hash: normalised word -> block | shadow)   KEYS[2..] audit streams (from AuditLog)
-- ARGV[1] max words   ARGV[2] r = number of removals, then r words   then a = number of additions, then a pairs
-- (word, mode)   then the audit stream max length and the audit entry (JSON): the last two ARGV.
-- Returns: {1, {word, mode, word, mode, ...}} the list after the edit; {-1, size} the edit would exceed the cap.
local max = tonumber(ARGV[1])
local r = tonumber(ARGV[2])
local a = tonumber(ARGV[3 + r])
local firstAdd = 4 + r
-- Size after the edit, counting each word once however often the edit names it.
local present = {}
local function has(word)
  if present[word] == nil then present[word] = redis.call('HEXISTS', KEYS[1], word) == 1 end
  return present[word]
end
local size = redis.call('HLEN', KEYS[1])
for i = 3, 2 + r do
  if has(ARGV[i]) then size = size - 1 end
  present[ARGV[i]] = false
end
for i = 0, a - 1 do
  local word = ARGV[firstAdd + 2 * i]
  if not has(word) then size = size + 1 end
  present[word] = true
end
if size > max then return {-1, size} end
for i = 3, 2 + r do redis.call('HDEL', KEYS[1], ARGV[i]) end
for i = 0, a - 1 do redis.call('HSET', KEYS[1], ARGV[firstAdd + 2 * i], ARGV[firstAdd + 2 * i + 1]) end
for i = 2, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[#ARGV - 1], '*', 'e', ARGV[#ARGV])
end
return {1, redis.call('HGETALL', KEYS[1])}
