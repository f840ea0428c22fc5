-- Entry ARGV[1] was acknowledged by its peer (and its hook has run): gone.
local base = NS .. ':outbox:' .. SVC
redis.call('DEL', base .. ':e:' .. ARGV[1])
redis.call('ZREM', base .. ':due', ARGV[1])
redis.call('ZREM', base .. ':pending', ARGV[1])
return ok('')
