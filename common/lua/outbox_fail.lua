-- Entry ARGV[1] got an answer that retrying cannot change (ARGV[2]): it
-- leaves the pending set for the failed one, where an operator sees it
-- (kefuctl outbox) and sends it again (sys.OutboxRetry) or drops it
-- (sys.OutboxDrop) - if this relay's lease (token ARGV[3]) is still the
-- entry's.
local base = NS .. ':outbox:' .. SVC
local k = base .. ':e:' .. ARGV[1]
if redis.call('HGET', k, 'lease') == ARGV[3] and redis.call('ZSCORE', base .. ':pending', ARGV[1]) then
  local now = redis_ms()
  redis.call('ZREM', base .. ':due', ARGV[1])
  redis.call('ZREM', base .. ':pending', ARGV[1])
  redis.call('ZADD', base .. ':failed', now, ARGV[1])
  redis.call('HSET', k, 'last_error', ARGV[2], 'failed_at', now)
end
return ok('')
