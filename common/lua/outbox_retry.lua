-- Entry ARGV[1] was not acknowledged (ARGV[3] says why): due again at
-- ARGV[2] (wall-clock ms), unless it was delivered meanwhile.
local base = NS .. ':outbox:' .. SVC
if redis.call('ZSCORE', base .. ':due', ARGV[1]) then
  redis.call('ZADD', base .. ':due', ARGV[2], ARGV[1])
  redis.call('HSET', base .. ':e:' .. ARGV[1], 'last_error', ARGV[3])
end
return ok('')
