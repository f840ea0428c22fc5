-- The relay claims up to ARGV[2] entries that are due (NOW_MS is wall-clock
-- time here) and leases each for ARGV[1] ms: no replica claims it again
-- before the lease ends, so a relay that dies mid-delivery leaves it to the
-- next. Reply: {'ok', '<pending> <failed> <oldest created ms>', then nine
-- fields per entry: n, service, method, params, hook, ctx, created, actor,
-- attempts}.
local base = NS .. ':outbox:' .. SVC
local lease, max = tonumber(ARGV[1]), tonumber(ARGV[2])
local r = {'ok', ''}
if max > 0 then
  local due = redis.call('ZRANGEBYSCORE', base .. ':due', '-inf', NOW_MS, 'LIMIT', 0, max)
  for _, n in ipairs(due) do
    local k = base .. ':e:' .. n
    local e = redis.call('HMGET', k, 'service', 'method', 'params', 'hook', 'ctx', 'created', 'actor')
    if not e[1] then
      redis.call('ZREM', base .. ':due', n)
      redis.call('ZREM', base .. ':pending', n)
    else
      local attempts = redis.call('HINCRBY', k, 'attempts', 1)
      redis.call('ZADD', base .. ':due', NOW_MS + lease, n)
      r[#r + 1] = n
      for i = 1, 7 do r[#r + 1] = e[i] or '' end
      r[#r + 1] = tostring(attempts)
    end
  end
end
local oldest = redis.call('ZRANGE', base .. ':pending', 0, 0, 'WITHSCORES')
r[2] = redis.call('ZCARD', base .. ':pending') .. ' ' .. redis.call('ZCARD', base .. ':failed') ..
  ' ' .. (oldest[2] or '0')
return r
