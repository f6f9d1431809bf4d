-- KEYS: 7+
-- Judges and records one chat message in one atomic step, so the verdict holds across nodes and races:
-- banned, muted, slow mode, per-user rate limit, keyword filters, then append to the room's history (capped).
-- Invariant kept here: every message any viewer can see was accepted by these checks and is in history when accepted.
-- KEYS[1] room history (stream, MAXLEN ARGV[5])   KEYS[2] room bans (set)   KEYS[3] room mutes (zset user -> until ms)
-- KEYS[4] room chat settings (hash: slowModeS)   KEYS[5] room keywords (hash word -> block|shadow)
-- KEYS[6] the user's rate bucket (hash: tokens, ts)   KEYS[7] the user's slow-mode marker in this room (string, PX)
-- KEYS[8] agency bans (set), KEYS[9] agency keywords (hash): present only when the room belongs to an agency.
-- ARGV[1] user id   ARGV[2] "1" if the sender is room staff (exempt from slow mode)   ARGV[3] rate burst
-- ARGV[4] rate refill per minute   ARGV[5] history length   ARGV[6] text normalised for matching
-- ARGV[7] sender name   ARGV[8] sender role   ARGV[9] text as shown
-- ARGV[10] "1" if the sender is the room's creator: never judged banned in their own room (an agency ban of a
-- creator who has left the roster must not lock them out of the rooms they created there).
-- Returns: {1, id} accepted; {2, id} accepted but shadowed (shown to the sender only);
--          {-1} banned; {-2, untilMs} muted; {-3, retryMs} rate limited; {-4, retryMs} slow mode; {-5} blocked word.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local user = ARGV[1]

if ARGV[10] ~= '1' and (redis.call('SISMEMBER', KEYS[2], user) == 1 or (KEYS[8] and redis.call('SISMEMBER', KEYS[8], user) == 1)) then
  return {-1}
end
local mutedUntil = tonumber(redis.call('ZSCORE', KEYS[3], user) or '0')
if mutedUntil > now then return {-2, mutedUntil} end

local slow = tonumber(redis.call('HGET', KEYS[4], 'slowModeS') or '0')
local slowApplies = slow > 0 and ARGV[2] ~= '1'
if slowApplies then
  local ttl = redis.call('PTTL', KEYS[7])
  if ttl > 0 then return {-4, ttl} end
end

-- Token bucket: ARGV[3] messages at once, refilled continuously. A refused keyword still costs a token, so probing
-- the filter is rate limited like chatting.
local burst = tonumber(ARGV[3])
local perMs = tonumber(ARGV[4]) / 60000
local bucket = redis.call('HMGET', KEYS[6], 'tokens', 'ts')
local tokens = tonumber(bucket[1]) or burst
local last = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - last) * perMs)
if tokens < 1 then return {-3, math.ceil((1 - tokens) / perMs)} end
redis.call('HSET', KEYS[6], 'tokens', tostring(tokens - 1), 'ts', now)
redis.call('PEXPIRE', KEYS[6], math.ceil(burst / perMs) + 1000)

local shadow = false
local function blocked(key)
  local words = redis.call('HGETALL', key)
  for i = 1, #words, 2 do
    if string.find(ARGV[6], words[i], 1, true) then
      if words[i + 1] == 'block' then return true end
      shadow = true
    end
  end
  return false
end
if blocked(KEYS[5]) or (KEYS[9] and blocked(KEYS[9])) then return {-5} end

local id
if shadow then
  id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[5], '*', 'u', user, 'n', ARGV[7], 'r', ARGV[8], 't', ARGV[9], 's', '1')
else
  id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[5], '*', 'u', user, 'n', ARGV[7], 'r', ARGV[8], 't', ARGV[9])
end
if slowApplies then redis.call('SET', KEYS[7], '1', 'PX', slow * 1000) end
if shadow then return {2, id} end
return {1, id}
