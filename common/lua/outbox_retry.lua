-- Entry ARGV[1] was not acknowledged (ARGV[3] says why): due again ARGV[2]
-- ms from now, if this relay's lease (token ARGV[4]) is still the entry's.
local base = NS .. ':outbox:' .. SVC
local k = base .. ':e:' .. ARGV[1]
if redis.call('HGET', k, 'lease') == ARGV[4] and redis.call('ZSCORE', base .. ':due', ARGV[1]) then
  redis.call('ZADD', base .. ':due', redis_ms() + tonumber(ARGV[2]), ARGV[1])
  redis.call('HSET', k, 'last_error', ARGV[3])
end
return ok('')
