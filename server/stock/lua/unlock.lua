-- KEYS: 1
-- CODES (server/stock/codes.ts, checked by test/unit/stock/codes.test.ts): RELEASED=1 NOT_HELD=0
-- Benchmark only: releases the `lock` stock step's per-pool lock (server/stock/benchReserve.ts) if this holder still
-- has it. Compare-and-delete in one step: a holder whose lease ran out must not delete the lock the next holder took.
-- KEYS[1] the pool's lock (string: the holder's token)   ARGV[1] this holder's token
-- Returns: {1} released; {0} not held any more (the lease ran out: another holder may have been in at the same time).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {1}
end
return {0}
