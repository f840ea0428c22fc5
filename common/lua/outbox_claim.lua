-- The relay claims up to ARGV[2] entries that are due by Redis's clock and
-- leases each for ARGV[1] ms: no replica claims it again before the lease
-- ends, so a relay that dies mid-delivery leaves it to the next. Each claim
-- counts the entry's `lease` up (never reset, unlike `attempts`, which an
-- operator's retry starts afresh): the relay's later step for the entry
-- counts only while that token is still the entry's. Reply: {'ok',
-- '<pending> <failed> <oldest created ms>', then ten fields per entry: n,
-- service, method, params, hook, ctx, created, actor, attempts, lease}.
local base = NS .. ':outbox:' .. SVC
local lease, max, now = tonumber(ARGV[1]), tonumber(ARGV[2]), redis_ms()
local r = {'ok', ''}
if max > 0 then
  for _, n in ipairs(redis.call('ZRANGEBYSCORE', base .. ':due', '-inf', now, 'LIMIT', 0, max)) do
    local k = base .. ':e:' .. n
    local e = redis.call('HMGET', k, 'service', 'method', 'params', 'hook', 'ctx', 'created', 'actor')
    if not e[1] then
      redis.call('ZREM', base .. ':due', n)
      redis.call('ZREM', base .. ':pending', n)
    else
      local attempts = redis.call('HINCRBY', k, 'attempts', 1)
      local token = redis.call('HINCRBY', k, 'lease', 1)
      redis.call('ZADD', base .. ':due', now + lease, n)
      r[#r + 1] = n
      for i = 1, 7 do r[#r + 1] = e[i] or '' end
      r[#r + 1] = tostring(attempts)
      r[#r + 1] = tostring(token)
    end
  end
end
local oldest = redis.call('ZRANGE', base .. ':pending', 0, 0, 'WITHSCORES')
r[2] = redis.call('ZCARD', base .. ':pending') .. ' ' .. redis.call('ZCARD', base .. ':failed') ..
  ' ' .. (oldest[2] or '0')
return r
