-- Entry ARGV[1] got an answer that retrying cannot change (ARGV[2]): it
-- leaves the pending set for the failed one, where an operator sees it
-- (kefuctl outbox) and can send it again (sys.OutboxRetry).
local base = NS .. ':outbox:' .. SVC
if redis.call('ZSCORE', base .. ':pending', ARGV[1]) then
  redis.call('ZREM', base .. ':due', ARGV[1])
  redis.call('ZREM', base .. ':pending', ARGV[1])
  redis.call('ZADD', base .. ':failed', NOW_MS, ARGV[1])
  redis.call('HSET', base .. ':e:' .. ARGV[1], 'last_error', ARGV[2], 'failed_at', NOW_MS)
end
return ok('')
