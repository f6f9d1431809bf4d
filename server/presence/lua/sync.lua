-- KEYS: 6
-- Writes one node's membership changes for a room into the room's viewer count, which counts distinct users over all
-- nodes: KEYS[1] maps each user to the number of nodes that have them in their share, so a user with two sockets (one
-- node or two) counts once, still counts after one of them leaves, and stops counting when the last one does.
-- Invariant kept here: a user's node count moves only when they enter or leave this node's share (SADD/SREM returned
-- 1), so a retried or replayed change is harmless, and the count is always the number of shares the user is in.
-- KEYS[1] room viewers (hash: user id -> number of nodes whose share holds the user; its length is the viewer count)
-- KEYS[2] this node's share of the room (set of user ids with a socket in the room through this node)
-- KEYS[3] this node's rooms (set of room ids where its share is not empty: what to take back if the node dies)
-- KEYS[4] rooms whose stats changed since they were last broadcast (set of room ids)
-- KEYS[5] the room's audience (hash: peak = most viewers at once, total = distinct viewers, written when it ends)
-- KEYS[6] the room's distinct viewers so far (HyperLogLog; folded into KEYS[5] total when the room ends)
-- ARGV[1] room id   ARGV[2] 1 if a sourced stat (the like total) moved   ARGV[3] 1 to empty this node's share first (rewrite)
-- ARGV[4] n   ARGV[5..4+n] users now in the room through this node   ARGV[5+n..] users no longer in it through this node
-- Returns: the size of this node's share afterwards (the caller compares it with its own count to detect a lost share).
local before = redis.call('HLEN', KEYS[1])
local function drop(user)
  if redis.call('SREM', KEYS[2], user) == 1 and redis.call('HINCRBY', KEYS[1], user, -1) <= 0 then
    redis.call('HDEL', KEYS[1], user)
  end
end
if ARGV[3] == '1' then
  for _, user in ipairs(redis.call('SMEMBERS', KEYS[2])) do drop(user) end
end
local n = tonumber(ARGV[4])
for i = 5, 4 + n do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[1], ARGV[i], 1)
    redis.call('PFADD', KEYS[6], ARGV[i])
  end
end
for i = 5 + n, #ARGV do drop(ARGV[i]) end
local share = redis.call('SCARD', KEYS[2])
if share > 0 then
  redis.call('SADD', KEYS[3], ARGV[1])
else
  redis.call('SREM', KEYS[3], ARGV[1])
end
local now = redis.call('HLEN', KEYS[1])
if now > tonumber(redis.call('HGET', KEYS[5], 'peak') or '0') then redis.call('HSET', KEYS[5], 'peak', now) end
if ARGV[2] == '1' or now ~= before then redis.call('SADD', KEYS[4], ARGV[1]) end
return share
