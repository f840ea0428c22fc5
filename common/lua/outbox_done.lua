-- Entry ARGV[1] was acknowledged by its peer (and its hook has run): gone,
-- whoever holds its lease now (the peer has the effect; another replica's
-- delivery of it is answered from the peer's idempotency record).
local base = NS .. ':outbox:' .. SVC
redis.call('DEL', base .. ':e:' .. ARGV[1])
redis.call('ZREM', base .. ':due', ARGV[1])
redis.call('ZREM', base .. ':pending', ARGV[1])
redis.call('ZREM', base .. ':failed', ARGV[1])
return ok('')
